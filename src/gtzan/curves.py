"""Learning curves: DVCLive's log of every epoch, the one store of per-epoch values.

The train stage logs Keras' per-epoch values with DVCLive's Keras callback, which writes one TSV file
(columns step, <metric>; step 0 is the first epoch) per metric and split:

    <live dir>/plots/metrics/train/loss.tsv   <live dir>/plots/metrics/eval/loss.tsv
    <live dir>/plots/metrics/train/accuracy.tsv   <live dir>/plots/metrics/eval/accuracy.tsv

and, beside them, <live dir>/metrics.json: the last epoch's values and the train stage's summary.
dvc.yaml declares plots/metrics as each train stage's plots; the report reads the same files.
"""

import csv
from pathlib import Path

METRICS = ("loss", "accuracy")
DVCLIVE_FOLDERS = {"train": "train", "validation": "eval"}  # each side's curves: the report's name -> DVCLive's folder


def curves_dir(live_dir: Path) -> Path:
    """The directory of every curve file: what each train stage declares as its plots."""
    return Path(live_dir) / "plots" / "metrics"


def curve_file(live_dir: Path, metric: str, side: str) -> Path:
    return curves_dir(live_dir) / DVCLIVE_FOLDERS[side] / f"{metric}.tsv"


def read_curves(live_dir: Path) -> dict[str, dict[str, list[float]]]:
    """{metric: {"train": [...], "validation": [...]}}, one value per epoch, as DVCLive logged them."""
    curves = {}
    for metric in METRICS:
        curves[metric] = {}
        for side in DVCLIVE_FOLDERS:
            with curve_file(live_dir, metric, side).open(newline="") as file:
                rows = sorted(csv.DictReader(file, delimiter="\t"), key=lambda row: int(row["step"]))
            curves[metric][side] = [float(row[metric]) for row in rows]
    return curves
