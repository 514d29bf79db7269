"""Learning curves on disk: one CSV per metric, with the columns epoch, train and validation.

    <dir>/loss.csv       epoch,train,validation
    <dir>/accuracy.csv   epoch,train,validation

Every train stage writes its curves so, into curves/<name>/, so that one directory plot id in
dvc.yaml (`curves`) draws each architecture's train and validation curves on one chart per metric,
and the report reads the same files.
"""

import csv
from pathlib import Path

METRICS = ("loss", "accuracy")
COLUMNS = ("epoch", "train", "validation")


def write_curves(directory: Path, history: dict[str, list[float]]) -> None:
    """history: Keras' per-epoch logs, {"loss": [...], "val_loss": [...], "accuracy": [...], "val_accuracy": [...]}."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for metric in METRICS:
        with (directory / f"{metric}.csv").open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(COLUMNS)
            for epoch, (train, validation) in enumerate(zip(history[metric], history[f"val_{metric}"]), start=1):
                writer.writerow([epoch, f"{train:.6f}", f"{validation:.6f}"])


def read_curves(directory: Path) -> dict[str, dict[str, list[float]]]:
    """{metric: {"train": [...], "validation": [...]}} as write_curves wrote them."""
    curves = {}
    for metric in METRICS:
        with (Path(directory) / f"{metric}.csv").open() as file:
            rows = list(csv.DictReader(file))
        curves[metric] = {column: [float(row[column]) for row in rows] for column in COLUMNS[1:]}
    return curves
