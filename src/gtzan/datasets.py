"""The on-disk formats of the raw data (data/raw/) and of a front-end's features (data/features/<front-end>/),
each with SOURCE_FILE saying where it came from:

- already split (the Drive data, saved datasets), in data/raw/ and copied as the log-mel features: two
  datasets written by `tf.data.Dataset.save`, as train/ and val/;
- decoded audio (the synthetic data, audio folders), in data/raw/: AUDIO_DIR, every clip's mono samples
  with its label and clip name, for the front-ends (the featurize stages) to compute from;
- not yet split log-mel segments (the synthetic data, audio folders), in data/features/logmel/:
  SEGMENTS_DIR, every segment with its label and song id, and each song's clip name; the prepare
  stage splits them (gtzan.splits).

The Drive folder documents neither its folder names nor its label encoding, so the
two datasets are found by their marker files and told apart by name, else by size.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gtzan.errors import UserError

MARKER_FILES = ("dataset_spec.pb", "snapshot.metadata")
SOURCE_FILE = "source.json"
GIVEN_SIDES = ("train", "val")  # the sides the Drive data (saved datasets) comes in
SEGMENTS_DIR = "segments"
AUDIO_DIR = "audio"
CLIPS_FILE = "clips.txt"
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
    if set(by_name) == set(GIVEN_SIDES):
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


def save_segments(path: Path, spectrograms: np.ndarray, labels: np.ndarray, song_ids: np.ndarray, clips: list[str]) -> None:
    """Write unsplit segments: spectrograms (n, frames, mel, 1), labels and song ids (n,), and the clip
    name of each song id, one a line."""
    path = Path(path)
    path.mkdir(parents=True)
    for name, array in (("spectrograms", spectrograms), ("labels", labels), ("song_ids", song_ids)):
        np.save(path / f"{name}.npy", array)
    (path / CLIPS_FILE).write_text("".join(f"{clip}\n" for clip in clips))


def load_segments(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """What save_segments wrote: (spectrograms, labels, song ids, clip names by song id)."""
    path = Path(path)
    try:
        arrays = [np.load(path / f"{name}.npy") for name in ("spectrograms", "labels", "song_ids")]
        clips = (path / CLIPS_FILE).read_text().splitlines()
    except (OSError, ValueError) as error:
        raise UserError(f"{path} is not a complete set of segments ({error}): rerun the download stage (dvc repro -f download).") from error
    if not len(arrays[0]) == len(arrays[1]) == len(arrays[2]) or (len(arrays[2]) and arrays[2].max() >= len(clips)):
        raise UserError(f"{path}: the spectrograms, labels, song ids and clip names do not match: rerun the download stage (dvc repro -f download).")
    return (*arrays, clips)


def end_to_end(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of different lengths as one float32 array, end to end, and each one's offset into it: (n + 1,) int64."""
    return np.concatenate(arrays).astype(np.float32), np.cumsum([0, *map(len, arrays)]).astype(np.int64)


def save_audio(path: Path, clips: list[np.ndarray], labels: np.ndarray, names: list[str], sample_rate: int) -> None:
    """Write decoded clips: their samples end to end, each clip's offset into them, labels (n,) and names, one a line."""
    path = Path(path)
    path.mkdir(parents=True)
    samples, offsets = end_to_end(clips)
    np.save(path / "samples.npy", samples)  # (total samples,)
    np.save(path / "offsets.npy", offsets)  # (n + 1,)
    np.save(path / "labels.npy", np.asarray(labels, dtype=np.int32))
    (path / CLIPS_FILE).write_text("".join(f"{name}\n" for name in names))
    (path / "sample_rate.txt").write_text(f"{sample_rate}\n")


@dataclass(frozen=True, eq=False)
class DecodedAudio:
    """What save_audio wrote; clip(i) is the i-th clip's mono float32 samples at sample_rate."""

    samples: np.ndarray  # (total samples,) float32, memory-mapped
    offsets: np.ndarray  # (n + 1,)
    labels: np.ndarray  # (n,) int32
    names: list[str]
    sample_rate: int

    def clip(self, index: int) -> np.ndarray:
        return np.asarray(self.samples[self.offsets[index]:self.offsets[index + 1]])


def read_source(directory: Path) -> dict:
    """The SOURCE_FILE of a stage's output directory (data/raw/, data/features/<front-end>/)."""
    path = Path(directory) / SOURCE_FILE
    if not path.exists():
        raise UserError(f"{directory} is not complete (no {SOURCE_FILE}): run the stage that writes it (dvc repro).")
    return json.loads(path.read_text())


def load_decoded(path: Path, sample_rate: int | None = None) -> DecodedAudio:
    """What save_audio wrote, resampled to sample_rate (with soxr) if given and other than the clips' own."""
    path = Path(path)
    try:
        decoded = DecodedAudio(
            samples=np.load(path / "samples.npy", mmap_mode="r"),
            offsets=np.load(path / "offsets.npy"),
            labels=np.load(path / "labels.npy"),
            names=(path / CLIPS_FILE).read_text().splitlines(),
            sample_rate=int((path / "sample_rate.txt").read_text()),
        )
    except (OSError, ValueError) as error:
        raise UserError(f"{path} is not a complete set of decoded clips ({error}): rerun the download stage (dvc repro -f download).") from error
    if not len(decoded.offsets) - 1 == len(decoded.labels) == len(decoded.names) or decoded.offsets[-1] != len(decoded.samples):
        raise UserError(f"{path}: the samples, offsets, labels and clip names do not match: rerun the download stage (dvc repro -f download).")
    if sample_rate is None or sample_rate == decoded.sample_rate:
        return decoded
    import soxr

    print(f"Resampling the clips from {decoded.sample_rate} Hz to {sample_rate} Hz ...", flush=True)
    clips = [soxr.resample(decoded.clip(index), decoded.sample_rate, sample_rate) for index in range(len(decoded.names))]
    return DecodedAudio(*end_to_end(clips), decoded.labels, decoded.names, sample_rate)


def load_split(path: Path, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Read a saved dataset into arrays: spectrograms, labels, song ids (None if the data has
    none, as the Drive data), plus its element spec as text.

    Raises ValueError naming the side, the problem and an example index when the
    elements are not (spectrogram, label[, song id]) tuples of one fixed shape.
    """
    import tensorflow as tf

    try:
        dataset = tf.data.Dataset.load(str(path))
    except (tf.errors.OpError, ValueError, OSError) as error:
        raise UserError(f"side '{side}': cannot read the saved dataset at {path}: {error}") from error
    spec = dataset.element_spec
    if not (isinstance(spec, tuple) and len(spec) in (2, 3)):
        raise UserError(
            f"side '{side}': elements must be (spectrogram, label) pairs, found element spec {spec} "
            "(example index 0)"
        )
    columns = [[] for _ in spec]
    try:
        for element in dataset.as_numpy_iterator():
            for column, value in zip(columns, element):
                column.append(value)
    except tf.errors.OpError as error:
        raise UserError(
            f"side '{side}': the saved dataset at {path} is corrupt (after example index "
            f"{len(columns[0]) - 1}): {error.message}"
        ) from error
    if not columns[0]:
        raise UserError(f"side '{side}': the dataset at {path} is empty (example index 0)")
    arrays = [_stack(column, side, what) for column, what in zip(columns, ("spectrogram", "label", "song id"))]
    song_ids = arrays[2] if len(arrays) == 3 else None
    return arrays[0], arrays[1], song_ids, describe_spec(spec)


def _stack(elements: list[np.ndarray], side: str, what: str) -> np.ndarray:
    first_shape = np.shape(elements[0])
    for index, element in enumerate(elements):
        if np.shape(element) != first_shape:
            raise UserError(
                f"side '{side}': {what} shapes differ: {np.shape(element)} at example index {index}, "
                f"{first_shape} at index 0"
            )
    return np.stack(elements)


def describe_spec(spec: tuple) -> str:
    return ", ".join(f"{tensor.shape.as_list()} {tensor.dtype.name}" for tensor in spec)
