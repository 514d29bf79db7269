"""The report's words and tables, the same in report.md and report.html: the comparison table (one list of
columns, each with its header and cells), the paired comparisons' table, and the notes under them."""

from collections.abc import Callable
from dataclasses import dataclass

from gtzan import compare
from gtzan.report.runs import Comparison, DataInfo, Run

NOT_APPLICABLE = "—"
AUGMENTATION_NOTE = ("Augmentation: the levers of each architecture's `augment:` block in params.yaml, applied to its "
                     "training batches only (none by default); cnn_gru_aug also augments inside the model, with the "
                     "specification's random layers.")


@dataclass(frozen=True)
class Column:
    """One column of the comparison table: its header, an architecture's (or probe's) cell and the ensemble's."""

    header: str
    cell: Callable[[Run], str]
    ensemble_cell: Callable[[Run], str] = lambda run: NOT_APPLICABLE


def comparison_columns(runs: list[Run], data: DataInfo) -> list[Column]:
    side, tested = data.side, data.side == "test"
    on_side = " (test)" if tested else ""

    def accuracy(on: str) -> Callable[[Run], str]:
        return lambda run: with_interval(run.interval("accuracy", on))

    def song_accuracy(run: Run) -> str:
        song = run.interval("song_accuracy", side)
        return with_interval(song) if song else "unknown (no song ids)"

    def macro_f1(run: Run) -> str:
        return f"{run.evaluation[side]['macro_f1']:.3f}"

    def parameters(run: Run) -> str:
        metrics = run.metrics
        return f"{metrics['parameters']:,}" + (f" + {metrics['frozen_parameters']:,} frozen" if "frozen_parameters" in metrics else "")

    def members_parameters(ensemble: Run) -> str:
        members = [run for run in runs if run.name in ensemble.evaluation["members"]]
        return f"{sum(member.metrics['parameters'] + member.metrics.get('frozen_parameters', 0) for member in members):,}"

    def reproduced(run: Run) -> str:
        saved = run.interval("accuracy", "val")  # the spec's figures are validation accuracies
        return run.spec.verdict(saved.low, saved.high) if data.comparable_with_spec else "not compared"

    return [
        Column("val acc best" + (" (selection)" if tested else ""), lambda run: f"{run.metrics['val_accuracy_best']:.1%}"),
        Column("val acc, saved model [95 % CI]", accuracy("val"), accuracy("val")),
        *([Column("test acc [95 % CI]", accuracy("test"), accuracy("test"))] if tested else []),
        Column(f"song acc{on_side} [95 % CI]", song_accuracy, song_accuracy),
        Column("epoch of best", lambda run: f"{run.metrics['best_epoch']} of {run.metrics['epochs']}"),
        Column(f"macro F1{on_side}", macro_f1, macro_f1),
        Column("parameters", parameters, members_parameters),
        Column("augmentation", lambda run: run.metrics.get("augment", "none")),  # gtzan.augment; a probe trains unaugmented
        Column("s/epoch", lambda run: f"{run.metrics['seconds_per_epoch']:.1f}"),
        Column("spec's figure", lambda run: run.spec.text),
        Column("reproduced", reproduced),
    ]


def comparison_table(runs: list[Run], data: DataInfo) -> tuple[list[str], list[list[str]]]:
    """The header and one row per run, its name first."""
    columns = comparison_columns(runs, data)
    rows = [[run.name, *((column.ensemble_cell if run.is_ensemble else column.cell)(run) for column in columns)] for run in runs]
    return ["architecture", *(column.header for column in columns)], rows


def comparison_markdown(runs: list[Run], data: DataInfo, comparisons: list[Comparison], seed: int) -> str:
    head = runs[0]
    header, rows = comparison_table(runs, data)
    paired_header, paired_rows = paired_table(head, data, comparisons)
    lines = [
        "# Genre classifiers compared",
        "",
        f"Data: {data.description}{data.counts}.",
        "",
        f"Headline architecture (`model.name`): **{head.name}**, {headline_figures(head, data)}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for run, (name, *cells) in zip(runs, rows):
        label = f"**{name}**" if run is head else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", intervals_note(head, data, seed), "", data.spec_note, "", AUGMENTATION_NOTE, ""]
    if note := ensemble_note(runs):
        lines += [note, ""]
    lines += [
        "Song accuracy: the saved model's segment probabilities averaged per song; unknown where the data "
        "has no song ids (the Drive data).",
        "",
        f"## {head.name} against each other model, on the {data.side_words} side",
        "",
        comparisons_note(head, data),
        "",
        "| " + " | ".join(paired_header) + " |",
        "|" + "---|" * len(paired_header),
        *("| " + " | ".join(cells) + " |" for cells in paired_rows),
        "",
        "The full report with charts: `plots/report.html`.",
        "",
    ]
    return "\n".join(lines)


def headline_figures(head: Run, data: DataInfo) -> str:
    metrics, reported = head.metrics, head.evaluation[data.side]
    selection = (f"best validation accuracy {metrics['val_accuracy_best']:.1%} at epoch {metrics['best_epoch']} of "
                 f"{metrics['epochs']}")
    if data.side == "val":
        return f"{selection}; saved model {with_interval(head.interval('accuracy', 'val'))}, macro F1 {reported['macro_f1']:.3f}"
    return (f"test accuracy {with_interval(head.interval('accuracy', 'test'))}, macro F1 {reported['macro_f1']:.3f} "
            f"(saved model); what selection saw: {selection}, saved model {with_interval(head.interval('accuracy', 'val'))} "
            "on validation")


def intervals_note(head: Run, data: DataInfo, seed: int) -> str:
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


def ensemble_note(runs: list[Run]) -> str:
    ensemble = next((run for run in runs if run.is_ensemble), None)
    if ensemble is None:
        return ""
    members = ensemble.evaluation["members"]
    architectures = "architecture" if len(members) == 1 else "architectures"
    return (f"{ensemble.name}: the mean of the saved models' probabilities of {len(members)} {architectures} "
            f"({', '.join(members)}; `ensemble.members`); parameters: theirs together.")


def comparisons_note(head: Run, data: DataInfo) -> str:
    unit = "songs" if head.evaluation[data.side]["bootstrap_unit"] == "song" else "segments"
    return (f"Accuracy of {head.name} minus the other model's, in points, on the same {data.side_words} items, with its "
            f"95 % paired-bootstrap interval (the same resampled {unit} for both). {head.name} is better or worse "
            "when the interval excludes 0, else the two are not distinguishable on this split.")


def paired_table(head: Run, data: DataInfo, comparisons: list[Comparison]) -> tuple[list[str], list[list[str]]]:
    """The header and one row per comparison: segment accuracy's difference, and song accuracy's where known."""
    columns = [
        ("other model", lambda comparison: comparison.other),
        ("segment accuracy: difference [95 % CI]", lambda comparison: points(comparison.segment)),
        (f"{head.name} is", lambda comparison: compare.verdict(comparison.segment)),
    ]
    if head.outcomes[data.side].song_ids is not None:
        columns += [
            ("song accuracy: difference [95 % CI]", lambda comparison: points(comparison.song)),
            (f"{head.name} is", lambda comparison: compare.verdict(comparison.song)),
        ]
    return [header for header, _ in columns], [[cell(comparison) for _, cell in columns] for comparison in comparisons]


def with_interval(estimate: compare.Estimate) -> str:
    return f"{estimate.value:.1%} [{100 * estimate.low:.1f}, {100 * estimate.high:.1f}]"


def points(estimate: compare.Estimate) -> str:
    return f"{100 * estimate.value:+.1f} pts [{100 * estimate.low:+.1f}, {100 * estimate.high:+.1f}]"
