"""The prepared data (data/prepared/), as the prepare stage writes it and every later step reads it.

    <dir>/train/spectrograms.npy  float32 (n, 80, 80, 1), standardized per mel bin
    <dir>/train/labels.npy        int32 (n,) class ids
    <dir>/train/song_ids.npy      int32 (n,) song of each segment, when the data has song ids
    <dir>/train/positions.npy     int32 (n,) each segment's index within its clip, when the data has song ids
    <dir>/val/...                 the same for the validation side (selection: best epoch, early stopping)
    <dir>/test/...                the same for the test side, where the split protocol has one (gtzan.splits)
    <dir>/clips.txt               the clip name of each song id, one a line, when the data has song ids
    <dir>/summary.json            source, split protocol, counts per class and side, element spec, statistics

A model trained on it records the summary's fingerprint inside its .keras file, so that evaluate
and predict refuse to mix a model with prepared data of another run.
"""

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from gtzan.errors import UserError

SUMMARY_FILE = "summary.json"
TRAINING_DATA_MEMBER = "gtzan_training_data.json"  # in a .keras file: which prepared data trained it
SIDES = ("train", "val", "test")  # the prepared data's sides: train, validation and, where the protocol has one, test
SIDE_WORDS = dict(zip(SIDES, ("train", "validation", "test")))  # in words
SCORED_SIDES = ("val", "test")  # what evaluate scores, where the prepared data has it


def scored_sides(summary: dict) -> list[str]:
    """The sides evaluate scores: validation, and test where the split protocol has one."""
    return [side for side in SCORED_SIDES if side in summary["counts"]]


def reported_side(summary: dict) -> str:
    """The side whose figures are the headline: test where there is one, else validation (which also selected)."""
    return scored_sides(summary)[-1]


def load_prepared(prepared_dir: Path, side: str) -> tuple[np.ndarray, np.ndarray]:
    """The (spectrograms, class ids) of one prepared side."""
    side_dir = Path(prepared_dir) / side
    if not side_dir.is_dir():
        raise UserError(f"{side_dir} not found: run the prepare stage first (dvc repro prepare).")
    return np.load(side_dir / "spectrograms.npy"), np.load(side_dir / "labels.npy")


def load_prepared_labels(prepared_dir: Path, side: str) -> np.ndarray:
    """The class ids of one prepared side, without its spectrograms."""
    path = Path(prepared_dir) / side / "labels.npy"
    if not path.is_file():
        raise UserError(f"{path} not found: run the prepare stage first (dvc repro prepare).")
    return np.load(path)


def load_song_ids(prepared_dir: Path, side: str) -> np.ndarray | None:
    """The song id of each segment of one prepared side, or None where the data has none (Drive data)."""
    path = Path(prepared_dir) / side / "song_ids.npy"
    return np.load(path) if path.exists() else None


def load_summary(prepared_dir: Path) -> dict:
    path = Path(prepared_dir) / SUMMARY_FILE
    if not path.is_file():
        raise UserError(f"{path} not found: run the prepare stage first (dvc repro prepare).")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise UserError(f"{path} is not valid JSON ({error}): rerun the prepare stage (dvc repro -f prepare).") from error


def standardize(spectrograms: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    # mean and std broadcast along the mel axis of (n, time, mel, 1)
    return ((spectrograms - mean[:, None]) / std[:, None]).astype(np.float32)


def describe_data(summary: dict) -> str:
    """The prepared data in words: where it came from and how it was split, with the count on each side."""
    source = summary.get("source", {})
    kind = source.get("source")
    if kind == "synthetic":
        where = f"the synthetic data (seed {source.get('seed')}, {source.get('songs_per_genre')} songs per genre)"
    elif kind == "audio":
        where = f"the audio folder {source.get('path')} ({', '.join(summary.get('class_names', []))})"
    elif kind == "gdrive":
        where = "the Drive data (GTZAN)"
    elif kind == "local":
        where = f"the saved datasets in {source.get('path')}"
    else:
        where = f"data of unknown source {kind!r}"
    protocol = summary.get("protocol")
    return f"{where}, {protocol['description']}" if protocol else where


def data_fingerprint(summary: dict) -> str:
    """A short hash of everything summary.json says: source, split, counts, classes, standardization."""
    return hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest()[:12]


def stamp_training_data(model_path: Path, summary: dict) -> None:
    """Record in a saved .keras file (a zip archive; keras ignores the extra member) which prepared data trained it."""
    record = {"fingerprint": data_fingerprint(summary), "description": describe_data(summary)}
    with zipfile.ZipFile(model_path, "a") as archive:
        archive.writestr(TRAINING_DATA_MEMBER, json.dumps(record, indent=2) + "\n")


def check_trained_on(model_path: Path, prepared_dir: Path) -> None:
    """UserError unless the model in model_path was trained on the prepared data in prepared_dir."""
    summary = load_summary(prepared_dir)
    try:
        with zipfile.ZipFile(model_path) as archive:
            record = json.loads(archive.read(TRAINING_DATA_MEMBER))
    except KeyError:
        raise UserError(
            f"{model_path} does not record the data it was trained on (a model from an older version): "
            "retrain it (dvc repro)"
        ) from None
    if record["fingerprint"] != data_fingerprint(summary):
        raise UserError(
            f"{model_path} was trained on other data than {prepared_dir} holds: the model on "
            f"{record['description']} (data {record['fingerprint']}), {prepared_dir} {describe_data(summary)} "
            f"(data {data_fingerprint(summary)}). Use the model with the prepared data of its own run "
            f"(`dvc exp apply <experiment>` restores both) or retrain it on this data (dvc repro)."
        )
