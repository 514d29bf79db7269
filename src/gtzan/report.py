"""The report stage: compare every trained architecture and headline the one under study.

Writes into plots/:
    report.md               comparison table, headline model first
    curves/<name>.png       loss and accuracy vs epoch, train and validation
    headline/curves.csv     the headline model's curves under a path that is the same
                            in every revision, so `dvc plots diff` can overlay experiments
    headline/metrics.json   the headline model's metrics (headline columns of `dvc exp show`)
"""

import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CURVE_COLUMNS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")

# What the specification (or the assignment behind it) reports or asks for on the real data.
SPEC_FIGURES = {
    "parallel_cnn": "≥ 70 % (assignment target)",
    "cnn_rnn": "≥ 50 % (assignment target)",
    "wide_parallel_cnn": "not given",
    "resnet50": "≈ 25 %",
    "lstm": "50-60 %",
    "bilstm": "50-60 %",
    "cnn_bilstm": "not given",
    "cnn_gru_aug": "below cnn_gru",
    "cnn_gru": "86-88.5 %",
}


def read_curves(live_dir: Path) -> dict[str, list[float]]:
    """The per-epoch curves DVCLive's Keras callback wrote: {column: values}."""
    curves = {}
    for column in CURVE_COLUMNS:
        split, metric = column.split("_", 1)
        path = Path(live_dir) / "plots" / "metrics" / ("train" if split == "train" else "eval") / f"{metric}.tsv"
        if not path.exists():
            raise ValueError(f"{path} not found: run the train stage of this architecture first.")
        with path.open() as file:
            curves[column] = [float(row[metric]) for row in csv.DictReader(file, delimiter="\t")]
    return curves


def write_report(*, names: list[str], headline: str, metrics_dir: Path, live_dir: Path, out_dir: Path) -> str:
    if headline not in names:
        raise ValueError(f"model.name '{headline}' is not an architecture of params.yaml models; valid names are {names}")
    metrics = {name: _read_metrics(Path(metrics_dir) / f"{name}.json") for name in names}
    curves = {name: read_curves(Path(live_dir) / name) for name in names}

    out_dir = Path(out_dir)
    (out_dir / "curves").mkdir(parents=True, exist_ok=True)
    for name in names:
        plot_learning_curves(name, curves[name], out_dir / "curves" / f"{name}.png")
    write_headline(headline, metrics[headline], curves[headline], out_dir / "headline")

    markdown = comparison_table(headline, metrics)
    (out_dir / "report.md").write_text(markdown)
    return markdown


def comparison_table(headline: str, metrics: dict[str, dict]) -> str:
    head = metrics[headline]
    lines = [
        "# Genre classifiers compared",
        "",
        f"Headline architecture (`model.name`): **{headline}**, best validation accuracy "
        f"{head['val_accuracy_best']:.1%} at epoch {head['best_epoch']} of {head['epochs']}.",
        "",
        "| architecture | val acc best | val acc final | epoch of best | val loss final | parameters | s/epoch | spec's figure |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ordered = [headline] + sorted(name for name in metrics if name != headline)
    for name in ordered:
        row = metrics[name]
        label = f"**{name}**" if name == headline else name
        lines.append(
            f"| {label} | {row['val_accuracy_best']:.1%} | {row['val_accuracy_final']:.1%} | {row['best_epoch']} "
            f"| {row['val_loss_final']:.3f} | {row['parameters']:,} | {row['seconds_per_epoch']:.1f} "
            f"| {SPEC_FIGURES.get(name, 'not given')} |"
        )
    lines += ["", "Learning curves: `plots/curves/<architecture>.png`; `dvc plots show` draws them all.", ""]
    return "\n".join(lines)


def plot_learning_curves(name: str, curves: dict[str, list[float]], path: Path) -> None:
    epochs = range(1, len(curves["train_loss"]) + 1)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, metric in zip(axes, ("loss", "accuracy")):
        axis.plot(epochs, curves[f"train_{metric}"], label="train")
        axis.plot(epochs, curves[f"val_{metric}"], label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.set_title(f"{name}: {metric}")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_headline(name: str, metrics: dict, curves: dict[str, list[float]], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps({"model": name, **metrics}, indent=2) + "\n")
    with (out_dir / "curves.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["epoch", *CURVE_COLUMNS])
        for epoch, values in enumerate(zip(*(curves[column] for column in CURVE_COLUMNS)), start=1):
            writer.writerow([epoch, *(f"{value:.6f}" for value in values)])


def _read_metrics(path: Path) -> dict:
    if not path.exists():
        raise ValueError(f"{path} not found: run the train stage of this architecture first.")
    return json.loads(path.read_text())
