"""The report stage: compare every trained architecture and headline the one under study.

Reads, for each architecture <name>, what its train and evaluate stages wrote under the directories
dvc.yaml passes: <metrics>/<name>.json, <curves>/<name>/ (gtzan.curves), <eval>/<name>/scores.json
and <predictions>/<name>.csv. Writes into <out>/:
    report.html               one self-contained page: table, accuracy bars, headline confusion
                              matrix and per-genre scores, every architecture's learning curves
    report.md                 the comparison table
    curves/<name>.png         loss and accuracy vs epoch, train and validation
    headline/curves/          the headline model's curves and its validation predictions (confusion
    headline/predictions.csv  matrix), under paths that are the same in every revision, so
                              `dvc plots diff` can overlay experiments
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

from gtzan.curves import METRICS, read_curves  # noqa: E402
from gtzan.errors import UserError  # noqa: E402
from gtzan.prepared import describe_data  # noqa: E402

# The spec's figures come from the Drive data (segment split); only data of that kind is compared with them.
SPEC_DATA_SOURCES = ("gdrive", "local")


@dataclass(frozen=True)
class SpecFigure:
    """What the specification (or the assignment behind it) reports or asks for on the real data."""

    text: str
    low: float | None = None  # the best validation accuracy reproduces it when low <= accuracy <= high
    high: float = 1.0

    def verdict(self, accuracy: float) -> str:
        if self.low is None:
            return "n/a"
        if accuracy < self.low:
            return "no (below)"
        return "yes" if accuracy <= self.high else "no (above)"


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

    description: str
    counts: str
    comparable_with_spec: bool

    @classmethod
    def from_summary(cls, summary: dict) -> "DataInfo":
        counts = ", ".join(f"{count['total']:,} {split}" for split, count in summary["counts"].items())
        comparable = summary.get("source", {}).get("source") in SPEC_DATA_SOURCES
        return cls(description=describe_data(summary), counts=f"{counts} segments", comparable_with_spec=comparable)

    @property
    def spec_note(self) -> str:
        if self.comparable_with_spec:
            return "The spec's figures were measured on this data; \"reproduced\" compares the best validation accuracy with them."
        return ("The spec's figures were measured on the Drive data (GTZAN, split by segment), not on this data: "
                "they are shown for reference and not compared.")


@dataclass(frozen=True)
class Run:
    """What the train and evaluate stages left for one architecture."""

    name: str
    metrics: dict  # the train stage's metrics
    curves: dict[str, dict[str, list[float]]]  # gtzan.curves.read_curves
    curves_dir: Path
    scores: dict  # the evaluate stage's scores.json
    predictions: Path

    @property
    def spec(self) -> SpecFigure:
        return SPEC_FIGURES.get(self.name, NOT_GIVEN)


def read_run(name: str, *, metrics_dir: Path, curves_dir: Path, eval_dir: Path, predictions_dir: Path) -> Run:
    metrics = _read_json(Path(metrics_dir) / f"{name}.json")
    curves = _existing(Path(curves_dir) / name)
    return Run(
        name=name,
        metrics=metrics,
        curves=read_curves(curves),
        curves_dir=curves,
        scores=_read_json(Path(eval_dir) / name / "scores.json"),
        predictions=_existing(Path(predictions_dir) / f"{name}.csv"),
    )


def write_report(
    *,
    names: list[str],
    headline: str,
    data_summary: dict,
    metrics_dir: Path,
    curves_dir: Path,
    eval_dir: Path,
    predictions_dir: Path,
    out_dir: Path,
) -> str:
    """Write everything under out_dir; return the markdown table. data_summary: the prepared data's summary.json."""
    if headline not in names:
        raise UserError(f"model.name '{headline}' is not an architecture of params.yaml models; valid names are {names}")
    runs = [
        read_run(name, metrics_dir=metrics_dir, curves_dir=curves_dir, eval_dir=eval_dir, predictions_dir=predictions_dir)
        for name in names
    ]
    runs.sort(key=lambda run: (run.name != headline, -run.metrics["val_accuracy_best"]))
    head = runs[0]
    data = DataInfo.from_summary(data_summary)

    out_dir = Path(out_dir)
    (out_dir / "curves").mkdir(parents=True, exist_ok=True)
    curve_images = {}
    for run in runs:
        figure = learning_curves_figure(run.name, run.curves)
        figure.savefig(out_dir / "curves" / f"{run.name}.png", dpi=100)
        curve_images[run.name] = _png_base64(figure)
    write_headline(head, out_dir / "headline")

    markdown = comparison_markdown(runs, data)
    (out_dir / "report.md").write_text(markdown)
    (out_dir / "report.html").write_text(report_html(runs, data, curve_images))
    return markdown


def comparison_markdown(runs: list[Run], data: DataInfo) -> str:
    head = runs[0]
    lines = [
        "# Genre classifiers compared",
        "",
        f"Data: {data.description}; {data.counts}.",
        "",
        f"Headline architecture (`model.name`): **{head.name}**, best validation accuracy "
        f"{head.metrics['val_accuracy_best']:.1%} at epoch {head.metrics['best_epoch']} of {head.metrics['epochs']}, "
        f"macro F1 {head.scores['macro_f1']:.3f}.",
        "",
        "| architecture | val acc best | val acc final | song acc | epoch of best | macro F1 | parameters | s/epoch | spec's figure | reproduced |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        label = f"**{run.name}**" if run is head else run.name
        lines.append(f"| {label} | " + " | ".join(_table_cells(run, data)) + " |")
    lines += [
        "",
        data.spec_note,
        "",
        "Song accuracy: the saved model's segment probabilities averaged per song; unknown where the data "
        "has no song ids (the Drive data).",
        "",
        "The full report with charts: `plots/report.html`.",
        "",
    ]
    return "\n".join(lines)


def _table_cells(run: Run, data: DataInfo) -> list[str]:
    metrics = run.metrics
    return [
        f"{metrics['val_accuracy_best']:.1%}",
        f"{metrics['val_accuracy_final']:.1%}",
        f"{run.scores['song_accuracy']:.1%}" if "song_accuracy" in run.scores else "unknown (no song ids)",
        f"{metrics['best_epoch']} of {metrics['epochs']}",
        f"{run.scores['macro_f1']:.3f}",
        f"{metrics['parameters']:,}",
        f"{metrics['seconds_per_epoch']:.1f}",
        run.spec.text,
        run.spec.verdict(metrics["val_accuracy_best"]) if data.comparable_with_spec else "not compared",
    ]


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


def accuracy_bars_figure(runs: list[Run]) -> plt.Figure:
    names = [run.name for run in runs]
    best = [run.metrics["val_accuracy_best"] for run in runs]
    final = [run.metrics["val_accuracy_final"] for run in runs]
    positions = np.arange(len(runs))
    figure, axis = plt.subplots(figsize=(10, 3.8))
    axis.bar(positions - 0.2, best, width=0.4, label="best")
    axis.bar(positions + 0.2, final, width=0.4, label="final")
    axis.set_xticks(positions, names, rotation=30, ha="right")
    axis.set_ylabel("validation accuracy")
    axis.set_ylim(0, 1)
    axis.axhline(1 / len(runs[0].scores["per_genre"]), color="grey", linestyle="--", linewidth=1, label="chance")
    axis.legend()
    axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def confusion_figure(run: Run) -> plt.Figure:
    class_names = run.scores["confusion"]["class_names"]
    matrix = np.array(run.scores["confusion"]["counts"])  # (actual, predicted)
    figure, axis = plt.subplots(figsize=(6, 5.2))
    image = axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right")
    axis.set_yticks(range(len(class_names)), class_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("actual")
    axis.set_title(f"{run.name}: validation confusion matrix")
    for (actual, predicted), count in np.ndenumerate(matrix):
        color = "white" if count > matrix.max() / 2 else "black"
        axis.text(predicted, actual, str(count), ha="center", va="center", color=color, fontsize=8)
    figure.colorbar(image, ax=axis, fraction=0.046)
    figure.tight_layout()
    return figure


def report_html(runs: list[Run], data: DataInfo, curve_images: dict[str, str]) -> str:
    head = runs[0]
    escape = html.escape
    header = ["architecture", "val acc best", "val acc final", "song acc (saved model)", "epoch of best", "macro F1", "parameters",
              "s/epoch", "spec's figure", "reproduced"]
    headline_class = ' class="headline"'
    rows = "\n".join(
        f"<tr{headline_class if run is head else ''}><td>{escape(run.name)}</td>"
        + "".join(f"<td>{escape(cell)}</td>" for cell in _table_cells(run, data)) + "</tr>"
        for run in runs
    )
    genres = "\n".join(
        f"<tr><td>{escape(name)}</td><td>{s['precision']:.3f}</td><td>{s['recall']:.3f}</td>"
        f"<td>{s['f1']:.3f}</td><td>{s['support']}</td></tr>"
        for name, s in head.scores["per_genre"].items()
    )
    confusions = "\n".join(
        f"<li>{escape(pair['actual'])} taken for {escape(pair['predicted'])}: {pair['count']} segments "
        f"({pair['share_of_errors']:.0%} of the errors)</li>"
        for pair in head.scores["top_confusions"]
    ) or "<li>none</li>"
    curves = "\n".join(
        f'<figure><img alt="learning curves of {escape(run.name)}" src="data:image/png;base64,{curve_images[run.name]}"></figure>'
        for run in runs
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Genre classifiers compared</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
tr.headline {{ background: #eef5ff; font-weight: bold; }}
img {{ max-width: 100%; }}
.side {{ display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }}
</style>
</head>
<body>
<h1>Genre classifiers compared</h1>
<p class="data">Data: <strong>{escape(data.description)}</strong>; {escape(data.counts)}.</p>
<p>Headline architecture (<code>model.name</code>): <strong>{escape(head.name)}</strong>,
best validation accuracy {head.metrics['val_accuracy_best']:.1%} at epoch {head.metrics['best_epoch']}
of {head.metrics['epochs']}, macro F1 {head.scores['macro_f1']:.3f}.</p>
<h2>All architectures</h2>
<table>
<tr>{''.join(f'<th>{escape(cell)}</th>' for cell in header)}</tr>
{rows}
</table>
<p>{escape(data.spec_note)}</p>
<img alt="validation accuracy by architecture" src="data:image/png;base64,{_png_base64(accuracy_bars_figure(runs))}">
<h2>{escape(head.name)} on the validation split</h2>
<div class="side">
<img alt="confusion matrix of {escape(head.name)}" src="data:image/png;base64,{_png_base64(confusion_figure(head))}" style="max-width: 560px">
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


def write_headline(run: Run, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    headline = {"model": run.name, **run.metrics, "macro_f1": run.scores["macro_f1"]}
    if "song_accuracy" in run.scores:
        headline["val_song_accuracy"] = run.scores["song_accuracy"]
    (out_dir / "metrics.json").write_text(json.dumps(headline, indent=2) + "\n")
    shutil.copyfile(run.predictions, out_dir / "predictions.csv")
    shutil.copytree(run.curves_dir, out_dir / "curves", dirs_exist_ok=True)


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
