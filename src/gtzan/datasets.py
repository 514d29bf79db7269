"""The on-disk format of the raw data (data/raw/): the Drive data's two datasets written by
`tf.data.Dataset.save`, as train/ and val/, and SOURCE_FILE, which says where they came from.

The Drive folder documents neither its folder names nor its label encoding, so the
two datasets are found by their marker files and told apart by name, else by size.
"""

import re
from pathlib import Path

import numpy as np
import tensorflow as tf

from gtzan.errors import UserError

MARKER_FILES = ("dataset_spec.pb", "snapshot.metadata")
SOURCE_FILE = "source.json"
SPLITS = ("train", "val")
VALIDATION_NAMES = {"val", "valid", "validation", "test"}
TRAIN_NAMES = {"train", "training"}


def find_saved_datasets(root: Path) -> list[Path]:
    """Every directory under root (root included) that holds a saved tf.data dataset."""
    root = Path(root)
    found = [spec.parent for spec in root.rglob(MARKER_FILES[0])]
    return sorted(path for path in found if all((path / marker).exists() for marker in MARKER_FILES))


def identify_splits(dataset_dirs: list[Path]) -> dict[str, Path]:
    """Map "train" and "val" to two saved datasets: by name, else the larger one is train."""
    if len(dataset_dirs) != 2:
        listing = ", ".join(str(path) for path in dataset_dirs) or "none"
        raise UserError(
            f"expected exactly 2 saved datasets (directories with {' and '.join(MARKER_FILES)}), "
            f"found {len(dataset_dirs)}: {listing}"
        )
    by_name = {_split_from_name(path): path for path in dataset_dirs}
    if set(by_name) == set(SPLITS):
        return by_name
    larger, smaller = sorted(dataset_dirs, key=_directory_size, reverse=True)
    return {"train": larger, "val": smaller}


def _split_from_name(path: Path) -> str | None:
    words = set(re.split(r"[^a-z]+", path.name.lower()))
    if words & VALIDATION_NAMES:
        return "val"
    if words & TRAIN_NAMES:
        return "train"
    return None


def _directory_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def save_split(path: Path, spectrograms: np.ndarray, labels: np.ndarray, song_ids: np.ndarray | None = None) -> None:
    """Write one split the way the Drive data was written, with each element's song id if known."""
    elements = (spectrograms, labels) if song_ids is None else (spectrograms, labels, song_ids)
    tf.data.Dataset.from_tensor_slices(elements).save(str(path))


def load_split(path: Path, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Read a saved dataset into arrays: spectrograms, labels, song ids (None if the data has
    none, as the Drive data), plus its element spec as text.

    Raises ValueError naming the split, the problem and an example index when the
    elements are not (spectrogram, label[, song id]) tuples of one fixed shape.
    """
    try:
        dataset = tf.data.Dataset.load(str(path))
    except (tf.errors.OpError, ValueError, OSError) as error:
        raise UserError(f"split '{split}': cannot read the saved dataset at {path}: {error}") from error
    spec = dataset.element_spec
    if not (isinstance(spec, tuple) and len(spec) in (2, 3)):
        raise UserError(
            f"split '{split}': elements must be (spectrogram, label) pairs, found element spec {spec} "
            "(example index 0)"
        )
    columns = [[] for _ in spec]
    try:
        for element in dataset.as_numpy_iterator():
            for column, value in zip(columns, element):
                column.append(value)
    except tf.errors.OpError as error:
        raise UserError(
            f"split '{split}': the saved dataset at {path} is corrupt (after example index "
            f"{len(columns[0]) - 1}): {error.message}"
        ) from error
    if not columns[0]:
        raise UserError(f"split '{split}': the dataset at {path} is empty (example index 0)")
    arrays = [_stack(column, split, what) for column, what in zip(columns, ("spectrogram", "label", "song id"))]
    song_ids = arrays[2] if len(arrays) == 3 else None
    return arrays[0], arrays[1], song_ids, describe_spec(spec)


def _stack(elements: list[np.ndarray], split: str, what: str) -> np.ndarray:
    first_shape = np.shape(elements[0])
    for index, element in enumerate(elements):
        if np.shape(element) != first_shape:
            raise UserError(
                f"split '{split}': {what} shapes differ: {np.shape(element)} at example index {index}, "
                f"{first_shape} at index 0"
            )
    return np.stack(elements)


def describe_spec(spec: tuple) -> str:
    return ", ".join(f"{tensor.shape.as_list()} {tensor.dtype.name}" for tensor in spec)
