"""The report stage: compare every trained architecture and headline the one under study.

Reads, for each architecture <name>, what its train and evaluate stages wrote under the directories
dvc.yaml passes: DVCLive's <live>/<name>/ (metrics.json and curves, gtzan.curves), <eval>/<name>/metrics.json
and scores.json, and <predictions>/<name>/<side>.csv (gtzan.evaluate); and the ensemble stage's
<eval>/ensemble/ (the same files, its predictions in predictions/).

The reported side is the test side where the split protocol has one (gtzan.splits), else validation: its
figures are the headline's, the comparisons', the confusion matrix's. Validation figures are shown as what
selection (best epoch, early stopping) saw. Writes into <out>/:
    report.html               one self-contained page: table, accuracy bars with their intervals,
                              the headline's paired comparisons, its confusion matrix and per-genre
                              scores, every architecture's learning curves
    report.md                 the comparison table and the paired comparisons
    curves/<name>.png         loss and accuracy vs epoch, train and validation
    headline/curves/          the headline model's curves, and its predictions on the reported side
    headline/predictions.csv  (its confusion matrix), under paths that are the same in every revision,
                              so `dvc plots diff` can overlay experiments
    headline/metrics.json     the headline model's metrics (headline columns of `dvc exp show`)
"""

import base64
import html
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gtzan import compare  # noqa: E402
from gtzan.curves import METRICS, curves_dir, read_curves  # noqa: E402
from gtzan.errors import UserError  # noqa: E402
from gtzan.predictions import read_predictions  # noqa: E402
from gtzan.prepared import SIDE_WORDS, describe_data, reported_side  # noqa: E402

# The spec's figures come from the Drive data (segment split); only data of that kind is compared with them.
SPEC_DATA_SOURCES = ("gdrive", "local")
ENSEMBLE = "ensemble"  # the ensemble stage's name under <eval>/ (dvc.yaml)
NOT_APPLICABLE = "—"


@dataclass(frozen=True)
class SpecFigure:
    """What the specification (or the assignment behind it) reports or asks for on the real data."""

    text: str
    low: float | None = None  # the spec's range of validation accuracy, [low, high]
    high: float = 1.0

    def verdict(self, interval_low: float, interval_high: float) -> str:
        """Whether an accuracy's confidence interval reproduces the figure: inside the range, outside it, or across an edge."""
        if self.low is None:
            return "n/a"
        if interval_high < self.low:
            return "no (below)"
        if interval_low > self.high:
            return "no (above)"
        return "yes" if self.low <= interval_low and interval_high <= self.high else "inconclusive"


SPEC_FIGURES = {
    "parallel_cnn": SpecFigure("≥ 70 % (assignment target)", 0.70),
    "cnn_rnn": SpecFigure("≥ 50 % (assignment target)", 0.50),
    "wide_parallel_cnn": SpecFigure("not given"),
    "resnet50": SpecFigure("≈ 25 % (reported)", 0.20, 0.30),
    "lstm": SpecFigure("50-60 % (reported plateau)", 0.50, 0.60),
    "bilstm": SpecFigure("50-60 % (reported plateau)", 0.50, 0.60),
    "cnn_bilstm": SpecFigure("not given"),
    "cnn_gru_aug": SpecFigure("below cnn_gru (reported)"),
    "cnn_gru": SpecFigure("86-88.5 % (reported best)", 0.86),
}
NOT_GIVEN = SpecFigure("not given")


@dataclass(frozen=True)
class DataInfo:
    """What the report says about the data every architecture was trained and evaluated on."""

    description: str  # the data and its split protocol, with the count on each side
    counts: str  # segments on each side, where the description counts songs or clips
    side: str  # the reported side: "test" where the protocol has one, else "val"
    comparable_with_spec: bool

    @classmethod
    def from_summary(cls, summary: dict) -> "DataInfo":
        counts = ", ".join(f"{summary['counts'][side]['total']:,} {words}" for side, words in SIDE_WORDS.items()
                           if side in summary["counts"])
        comparable = summary.get("source", {}).get("source") in SPEC_DATA_SOURCES
        if summary.get("protocol", {}).get("method") in ("given", "segment"):
            counts = ""  # the description counts the segments already
        return cls(description=describe_data(summary), counts=counts and f"; {counts} segments", side=reported_side(summary),
                   comparable_with_spec=comparable)

    @property
    def side_words(self) -> str:
        return SIDE_WORDS[self.side]

    @property
    def spec_note(self) -> str:
        if self.comparable_with_spec:
            return ("The spec's figures were measured on this data; \"reproduced\" compares the 95 % interval of the saved "
                    "model's validation accuracy with them: yes when it lies within the spec's range, no when it lies "
                    "outside, inconclusive when it straddles an edge.")
        return ("The spec's figures were measured on the Drive data (GTZAN, its own segment split), not on this data: "
                "they are shown for reference and not compared.")


@dataclass(frozen=True, eq=False)
class Outcomes:
    """Which items of one side a model got right, read from its predictions CSV (gtzan.evaluate)."""

    actual: list[str]  # every segment's genre
    correct: np.ndarray  # (segments,) bool
    song_ids: np.ndarray | None  # (segments,), None where the data has no song ids
    song_correct: np.ndarray | None  # (songs,) bool, songs sorted by id


def read_outcomes(path: Path) -> Outcomes:
    predictions = read_predictions(path)
    actual = [predictions.class_names[i] for i in predictions.actual]
    correct = predictions.predicted == predictions.actual
    if predictions.song_ids is None:
        return Outcomes(actual=actual, correct=correct, song_ids=None, song_correct=None)
    songs, first = np.unique(predictions.song_ids, return_index=True)  # sorted by id
    song_correct = predictions.song_predicted[first] == predictions.actual[first]
    return Outcomes(actual=actual, correct=correct, song_ids=predictions.song_ids, song_correct=song_correct)


@dataclass(frozen=True)
class Run:
    """What the train and evaluate stages left for one architecture, or the ensemble stage for the ensemble."""

    name: str
    metrics: dict | None  # the train stage's metrics (DVCLive's metrics.json); None for the ensemble
    curves: dict[str, dict[str, list[float]]] | None  # gtzan.curves.read_curves; None for the ensemble
    live_dir: Path | None
    evaluation: dict  # the evaluate (or ensemble) stage's metrics.json, each side's entry merged with its scores.json
    predictions: dict[str, Path]  # side -> its predictions CSV
    outcomes: dict[str, Outcomes]  # side -> read from that CSV

    @property
    def spec(self) -> SpecFigure:
        return SPEC_FIGURES.get(self.name, NOT_GIVEN)

    @property
    def is_ensemble(self) -> bool:
        return self.metrics is None

    def interval(self, metric: str, side: str) -> compare.Estimate | None:
        """accuracy or song_accuracy of the saved model(s) on a side with its interval, from metrics.json; None if unknown."""
        scores = self.evaluation.get(side, {})
        if metric not in scores:
            return None
        return compare.Estimate(scores[metric], scores[f"{metric}_ci_low"], scores[f"{metric}_ci_high"])


def read_run(name: str, *, live_dir: Path, eval_dir: Path, predictions_dir: Path) -> Run:
    live = _existing(Path(live_dir) / name)
    metrics = _read_json(live / "metrics.json")
    if "val_accuracy_best" not in metrics:  # DVCLive's summary of the epochs done so far
        raise UserError(f"{live / 'metrics.json'} is from an unfinished training: run it to the end (dvc repro train@{name}).")
    return Run(
        name=name,
        metrics=metrics,
        curves=read_curves(live),
        live_dir=live,
        **_read_evaluation(Path(eval_dir) / name, Path(predictions_dir) / name),
    )


def read_ensemble(*, eval_dir: Path) -> Run:
    directory = Path(eval_dir) / ENSEMBLE
    evaluation = _read_evaluation(directory, directory / "predictions", stage="ensemble stage")
    return Run(name=ENSEMBLE, metrics=None, curves=None, live_dir=None, **evaluation)


def _read_evaluation(directory: Path, predictions_dir: Path, stage: str = "train and evaluate stages of this architecture") -> dict:
    """What an evaluate (or the ensemble) stage wrote: its metrics.json and scores.json, merged side by side, and
    each side's predictions."""
    for path in (directory / "metrics.json", directory / "scores.json", predictions_dir):
        if not path.exists():
            raise UserError(f"{path} not found: run the {stage} first.")
    evaluation, scores = _read_json(directory / "metrics.json"), _read_json(directory / "scores.json")
    sides = [side for side in SIDE_WORDS if side in scores]
    for side in sides:
        evaluation[side] = {**evaluation.get(side, {}), **scores[side]}
    predictions = {side: predictions_dir / f"{side}.csv" for side in sides}
    return {"evaluation": evaluation, "predictions": predictions,
            "outcomes": {side: read_outcomes(path) for side, path in predictions.items()}}


@dataclass(frozen=True)
class Comparison:
    """The headline minus another model, on the same items of the reported side, with paired-bootstrap intervals."""

    other: str
    segment: compare.Estimate
    song: compare.Estimate | None  # None where the data has no song ids


def paired_comparisons(head: Run, others: list[Run], side: str, seed: int) -> list[Comparison]:
    comparisons = []
    for run in others:
        if side not in run.outcomes:
            stage = "ensemble" if run.is_ensemble else f"evaluate@{run.name}"
            raise UserError(f"{run.name} has no predictions on the {SIDE_WORDS[side]} side: rerun it (dvc repro {stage})")
        a, b = head.outcomes[side], run.outcomes[side]
        if a.actual != b.actual or not np.array_equal(a.song_ids, b.song_ids):  # array_equal: None only equals None
            raise UserError(
                f"{head.predictions[side]} and {run.predictions[side]} do not list the same segments: "
                "the models come from different runs; rerun their evaluate stages (dvc repro)"
            )
        song = None if a.song_ids is None else compare.difference(a.song_correct, b.song_correct, seed=seed)
        comparisons.append(Comparison(run.name, compare.difference(a.correct, b.correct, a.song_ids, seed=seed), song))
    return comparisons


def write_report(
    *,
    names: list[str],
    headline: str,
    data_summary: dict,
    live_dir: Path,
    eval_dir: Path,
    predictions_dir: Path,
    out_dir: Path,
    seed: int,
    ensemble: bool = False,
) -> str:
    """Write everything under out_dir; return the markdown. data_summary: the prepared data's summary.json.

    seed: the paired bootstrap's (as evaluate's); ensemble: also report the ensemble stage's results.
    """
    if headline not in names:
        raise UserError(f"model.name '{headline}' is not a model of this run (params.yaml models: and transfer.models); valid names are {names}")
    runs = [
        read_run(name, live_dir=live_dir, eval_dir=eval_dir, predictions_dir=predictions_dir)
        for name in names
    ]
    runs.sort(key=lambda run: (run.name != headline, -run.metrics["val_accuracy_best"]))
    if ensemble:
        runs.append(read_ensemble(eval_dir=eval_dir))
    head = runs[0]
    data = DataInfo.from_summary(data_summary)
    if data.side not in head.outcomes:
        raise UserError(f"{head.name} has no predictions on the {data.side_words} side: rerun it (dvc repro evaluate@{head.name})")
    comparisons = paired_comparisons(head, runs[1:], data.side, seed)

    out_dir = Path(out_dir)
    (out_dir / "curves").mkdir(parents=True, exist_ok=True)
    curve_images = {}
    for run in runs:
        if run.is_ensemble:
            continue
        figure = learning_curves_figure(run.name, run.curves)
        figure.savefig(out_dir / "curves" / f"{run.name}.png", dpi=100)
        curve_images[run.name] = _png_base64(figure)
    write_headline(head, data.side, out_dir / "headline")

    markdown = comparison_markdown(runs, data, comparisons, seed)
    (out_dir / "report.md").write_text(markdown)
    (out_dir / "report.html").write_text(report_html(runs, data, curve_images, comparisons, seed))
    return markdown


def table_header(data: DataInfo) -> list[str]:
    tested = data.side == "test"
    scored = ["val acc, saved model [95 % CI]", "test acc [95 % CI]"] if tested else ["val acc, saved model [95 % CI]"]
    side = " (test)" if tested else ""
    return ["architecture", "val acc best" + (" (selection)" if tested else ""), *scored, f"song acc{side} [95 % CI]",
            "epoch of best", f"macro F1{side}", "parameters", "augmentation", "s/epoch", "spec's figure", "reproduced"]


def comparison_markdown(runs: list[Run], data: DataInfo, comparisons: list[Comparison], seed: int) -> str:
    head = runs[0]
    header = table_header(data)
    lines = [
        "# Genre classifiers compared",
        "",
        f"Data: {data.description}{data.counts}.",
        "",
        f"Headline architecture (`model.name`): **{head.name}**, {_headline_figures(head, data)}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for run in runs:
        label = f"**{run.name}**" if run is head else run.name
        lines.append(f"| {label} | " + " | ".join(_table_cells(run, runs, data)) + " |")
    lines += ["", _intervals_note(head, data, seed), "", data.spec_note, ""]
    if ensemble_note := _ensemble_note(runs):
        lines += [ensemble_note, ""]
    lines += [
        "Song accuracy: the saved model's segment probabilities averaged per song; unknown where the data "
        "has no song ids (the Drive data).",
        "",
        f"## {head.name} against each other model, on the {data.side_words} side",
        "",
        _comparisons_note(head, data),
        "",
        "| " + " | ".join(_comparison_header(head, data)) + " |",
        "|" + "---|" * len(_comparison_header(head, data)),
        *("| " + " | ".join(_comparison_cells(comparison)) + " |" for comparison in comparisons),
        "",
        "The full report with charts: `plots/report.html`.",
        "",
    ]
    return "\n".join(lines)


def _headline_figures(head: Run, data: DataInfo) -> str:
    metrics, reported = head.metrics, head.evaluation[data.side]
    selection = (f"best validation accuracy {metrics['val_accuracy_best']:.1%} at epoch {metrics['best_epoch']} of "
                 f"{metrics['epochs']}")
    if data.side == "val":
        return f"{selection}; saved model {_with_interval(head.interval('accuracy', 'val'))}, macro F1 {reported['macro_f1']:.3f}"
    return (f"test accuracy {_with_interval(head.interval('accuracy', 'test'))}, macro F1 {reported['macro_f1']:.3f} "
            f"(saved model); what selection saw: {selection}, saved model {_with_interval(head.interval('accuracy', 'val'))} "
            "on validation")


def _table_cells(run: Run, runs: list[Run], data: DataInfo) -> list[str]:
    side = data.side
    song = run.interval("song_accuracy", side)
    accuracies = [run.interval("accuracy", "val")] + ([run.interval("accuracy", "test")] if side == "test" else [])
    scored = [*map(_with_interval, accuracies), _with_interval(song) if song else "unknown (no song ids)"]
    macro_f1 = f"{run.evaluation[side]['macro_f1']:.3f}"
    if run.is_ensemble:
        members = [other for other in runs if other.name in run.evaluation["members"]]
        parameters = f"{sum(member.metrics['parameters'] + member.metrics.get('frozen_parameters', 0) for member in members):,}"
        return [NOT_APPLICABLE, *scored, NOT_APPLICABLE, macro_f1, parameters, *[NOT_APPLICABLE] * 4]
    metrics, saved = run.metrics, run.interval("accuracy", "val")  # the spec's figures are validation accuracies
    return [
        f"{metrics['val_accuracy_best']:.1%}",
        *scored,
        f"{metrics['best_epoch']} of {metrics['epochs']}",
        macro_f1,
        f"{metrics['parameters']:,}" + (f" + {metrics['frozen_parameters']:,} frozen" if "frozen_parameters" in metrics else ""),
        metrics.get("augment", "none"),  # gtzan.augment; a probe trains on its embeddings unaugmented
        f"{metrics['seconds_per_epoch']:.1f}",
        run.spec.text,
        run.spec.verdict(saved.low, saved.high) if data.comparable_with_spec else "not compared",
    ]


def _intervals_note(head: Run, data: DataInfo, seed: int) -> str:
    reported = head.evaluation[data.side]
    if reported["bootstrap_unit"] == "song":
        resampled = f"the {reported['songs']:,} {data.side_words} songs, each song's segments resampled together"
    else:
        resampled = f"the {reported['segments']:,} {data.side_words} segments, resampled one by one as the data has no song ids"
    selection = ("Validation chose the best epoch (and early stopping, schedules); test was used for nothing but these figures. "
                 if data.side == "test" else "")
    return (f"Intervals: 95 % percentile bootstrap over {resampled} ({compare.RESAMPLES:,} resamples, seed {seed}"
            f"{'; each side its own' if data.side == 'test' else ''}). {selection}Val acc best is the best epoch's during training, without an interval; the intervals "
            "are the saved model's.")


def _ensemble_note(runs: list[Run]) -> str:
    ensemble = next((run for run in runs if run.is_ensemble), None)
    if ensemble is None:
        return ""
    members = ensemble.evaluation["members"]
    architectures = "architecture" if len(members) == 1 else "architectures"
    return (f"{ensemble.name}: the mean of the saved models' probabilities of {len(members)} {architectures} "
            f"({', '.join(members)}; `ensemble.members`); parameters: theirs together.")


def _comparisons_note(head: Run, data: DataInfo) -> str:
    unit = "songs" if head.evaluation[data.side]["bootstrap_unit"] == "song" else "segments"
    return (f"Accuracy of {head.name} minus the other model's, in points, on the same {data.side_words} items, with its "
            f"95 % paired-bootstrap interval (the same resampled {unit} for both). {head.name} is better or worse "
            "when the interval excludes 0, else the two are not distinguishable on this split.")


def _comparison_header(head: Run, data: DataInfo) -> list[str]:
    header = ["other model", "segment accuracy: difference [95 % CI]", f"{head.name} is"]
    if head.outcomes[data.side].song_ids is not None:
        header += ["song accuracy: difference [95 % CI]", f"{head.name} is"]
    return header


def _comparison_cells(comparison: Comparison) -> list[str]:
    cells = [comparison.other, _points(comparison.segment), compare.verdict(comparison.segment)]
    if comparison.song is not None:
        cells += [_points(comparison.song), compare.verdict(comparison.song)]
    return cells


def _with_interval(estimate: compare.Estimate) -> str:
    return f"{estimate.value:.1%} [{100 * estimate.low:.1f}, {100 * estimate.high:.1f}]"


def _points(estimate: compare.Estimate) -> str:
    return f"{100 * estimate.value:+.1f} pts [{100 * estimate.low:+.1f}, {100 * estimate.high:+.1f}]"


def learning_curves_figure(name: str, curves: dict[str, dict[str, list[float]]]) -> plt.Figure:
    figure, axes = plt.subplots(1, len(METRICS), figsize=(10, 3.6))
    for axis, metric in zip(axes, METRICS):
        epochs = range(1, len(curves[metric]["train"]) + 1)
        axis.plot(epochs, curves[metric]["train"], marker=".", label="train")
        axis.plot(epochs, curves[metric]["validation"], marker=".", label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.set_title(f"{name}: {metric}")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    return figure


def accuracy_bars_figure(runs: list[Run], data: DataInfo) -> plt.Figure:
    """Each model's saved-model accuracy on the reported side, segment and (where known) song, with its 95 % interval as an error bar."""
    positions = np.arange(len(runs))
    side = data.side
    metrics = ["accuracy", "song_accuracy"] if runs[0].interval("song_accuracy", side) else ["accuracy"]
    width = 0.8 / len(metrics)
    figure, axis = plt.subplots(figsize=(10, 3.8))
    for index, metric in enumerate(metrics):
        estimates = [run.interval(metric, side) for run in runs]
        values = np.array([estimate.value for estimate in estimates])
        errors = np.array([[estimate.value - estimate.low, estimate.high - estimate.value] for estimate in estimates]).T
        offset = (index - (len(metrics) - 1) / 2) * width
        axis.bar(positions + offset, values, width=width, yerr=errors, capsize=3,
                 label="segments" if metric == "accuracy" else "songs")
    axis.set_xticks(positions, [run.name for run in runs], rotation=30, ha="right")
    axis.set_ylabel(f"{data.side_words} accuracy (95 % CI)")
    axis.set_ylim(0, 1)
    axis.axhline(1 / len(runs[0].evaluation[side]["per_genre"]), color="grey", linestyle="--", linewidth=1, label="chance")
    axis.legend()
    axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def confusion_figure(run: Run, data: DataInfo) -> plt.Figure:
    confusion = run.evaluation[data.side]["confusion"]
    class_names = confusion["class_names"]
    matrix = np.array(confusion["counts"])  # (actual, predicted)
    figure, axis = plt.subplots(figsize=(6, 5.2))
    image = axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right")
    axis.set_yticks(range(len(class_names)), class_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("actual")
    axis.set_title(f"{run.name}: {data.side_words} confusion matrix")
    for (actual, predicted), count in np.ndenumerate(matrix):
        color = "white" if count > matrix.max() / 2 else "black"
        axis.text(predicted, actual, str(count), ha="center", va="center", color=color, fontsize=8)
    figure.colorbar(image, ax=axis, fraction=0.046)
    figure.tight_layout()
    return figure


def report_html(runs: list[Run], data: DataInfo, curve_images: dict[str, str], comparisons: list[Comparison], seed: int) -> str:
    head = runs[0]
    reported = head.evaluation[data.side]
    escape = html.escape
    headline_class = ' class="headline"'
    rows = "\n".join(
        f"<tr{headline_class if run is head else ''}><td>{escape(run.name)}</td>"
        + "".join(map(_html_cell, _table_cells(run, runs, data))) + "</tr>"
        for run in runs
    )
    comparison_rows = "\n".join(
        "<tr>" + "".join(map(_html_cell, _comparison_cells(comparison))) + "</tr>"
        for comparison in comparisons
    )
    ensemble_note = f"<p>{escape(note)}</p>" if (note := _ensemble_note(runs)) else ""
    genres = "\n".join(
        f"<tr><td>{escape(name)}</td><td>{s['precision']:.3f}</td><td>{s['recall']:.3f}</td>"
        f"<td>{s['f1']:.3f}</td><td>{s['support']}</td></tr>"
        for name, s in reported["per_genre"].items()
    )
    confusions = "\n".join(
        f"<li>{escape(pair['actual'])} taken for {escape(pair['predicted'])}: {pair['count']} segments "
        f"({pair['share_of_errors']:.0%} of the errors)</li>"
        for pair in reported["top_confusions"]
    ) or "<li>none</li>"
    curves = "\n".join(
        f'<figure><img alt="learning curves of {escape(run.name)}" src="data:image/png;base64,{curve_images[run.name]}"></figure>'
        for run in runs if not run.is_ensemble
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Genre classifiers compared</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
.wide {{ overflow-x: auto; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
tr.headline {{ background: #eef5ff; font-weight: bold; }}
img {{ max-width: 100%; }}
.side {{ display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }}
</style>
</head>
<body>
<h1>Genre classifiers compared</h1>
<p class="data">Data: <strong>{escape(data.description)}</strong>{escape(data.counts)}.</p>
<p>Headline architecture (<code>model.name</code>): <strong>{escape(head.name)}</strong>,
{escape(_headline_figures(head, data))}.</p>
<h2>All architectures</h2>
<div class="wide">
<table>
<tr>{''.join(f'<th>{escape(cell)}</th>' for cell in table_header(data))}</tr>
{rows}
</table>
</div>
<p>{escape(_intervals_note(head, data, seed))}</p>
<p>{escape(data.spec_note)}</p>
{ensemble_note}
<img alt="{data.side_words} accuracy by model, with 95 % intervals" src="data:image/png;base64,{_png_base64(accuracy_bars_figure(runs, data))}">
<h2>{escape(head.name)} against each other model, on the {data.side_words} side</h2>
<p>{escape(_comparisons_note(head, data))}</p>
<table>
<tr>{''.join(f'<th>{escape(cell)}</th>' for cell in _comparison_header(head, data))}</tr>
{comparison_rows}
</table>
<h2>{escape(head.name)} on the {data.side_words} side</h2>
<div class="side">
<img alt="confusion matrix of {escape(head.name)}" src="data:image/png;base64,{_png_base64(confusion_figure(head, data))}" style="max-width: 560px">
<div>
<table>
<tr><th>genre</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>
{genres}
</table>
<p>Most frequent confusions:</p>
<ul>
{confusions}
</ul>
</div>
</div>
<h2>Learning curves</h2>
{curves}
</body>
</html>
"""


def write_headline(run: Run, side: str, out_dir: Path) -> None:
    """The headline model's metrics (training's and each side's saved-model figures, the tables left out), its
    predictions on the reported side and its curves."""
    out_dir.mkdir(parents=True, exist_ok=True)
    headline = {"model": run.name, **run.metrics}
    for scored in run.predictions:
        headline[scored] = {key: value for key, value in run.evaluation[scored].items() if not isinstance(value, (dict, list))}
    (out_dir / "metrics.json").write_text(json.dumps(headline, indent=2) + "\n")
    shutil.copyfile(run.predictions[side], out_dir / "predictions.csv")
    shutil.copytree(curves_dir(run.live_dir), out_dir / "curves", dirs_exist_ok=True)


def _html_cell(cell: str) -> str:
    """A table cell; a narrow column breaks a figure before its interval, never inside it."""
    return "<td>" + html.escape(cell).replace(", ", ",&nbsp;").replace(" pts", "&nbsp;pts") + "</td>"


def _png_base64(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _existing(path: Path) -> Path:
    if not path.exists():
        raise UserError(f"{path} not found: run the train and evaluate stages of this architecture first.")
    return path


def _read_json(path: Path) -> dict:
    try:
        return json.loads(_existing(path).read_text())
    except json.JSONDecodeError as error:
        raise UserError(f"{path} is not valid JSON ({error}): rerun the stage that writes it.") from error
