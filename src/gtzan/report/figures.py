"""The report's charts (matplotlib, drawn off-screen): learning curves, accuracy bars, the confusion matrix."""

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gtzan.curves import METRICS  # noqa: E402
from gtzan.report.runs import DataInfo, Run  # noqa: E402


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


def png_base64(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
