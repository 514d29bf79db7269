"""The prepared data (data/prepared/), as the prepare stage writes it and every later step reads it.

    <dir>/train/spectrograms.npy  float32 (n, 80, 80, 1), standardized per mel bin
    <dir>/train/labels.npy        int32 (n,) class ids
    <dir>/train/song_ids.npy      int32 (n,) song of each segment, when the data has song ids
    <dir>/val/...                 the same for the validation split
    <dir>/summary.json            counts per class and split, source, element spec, statistics
"""

import json
from pathlib import Path

import numpy as np

from gtzan.errors import UserError

SUMMARY_FILE = "summary.json"


def load_prepared(prepared_dir: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The (spectrograms, class ids) of one prepared split."""
    split_dir = Path(prepared_dir) / split
    if not split_dir.is_dir():
        raise UserError(f"{split_dir} not found: run the prepare stage first (dvc repro prepare).")
    return np.load(split_dir / "spectrograms.npy"), np.load(split_dir / "labels.npy")


def load_song_ids(prepared_dir: Path, split: str) -> np.ndarray | None:
    """The song id of each segment of one prepared split, or None where the data has none (Drive data)."""
    path = Path(prepared_dir) / split / "song_ids.npy"
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
