"""The prepare stage: validate the raw splits and write them in one canonical, standardized form.

The output's layout is gtzan.prepared's; it is byte-for-byte identical for identical input, so an
unchanged dataset retrains nothing.
"""

import json
from pathlib import Path

import numpy as np

from gtzan.datasets import SOURCE_FILE, SPLITS, load_split
from gtzan.errors import UserError
from gtzan.files import staged_directory
from gtzan.prepared import SUMMARY_FILE, standardize

DRIVE_SEGMENT_SHAPE = (80, 80, 1)  # the specification's: (time, mel bins, channel)


def segment_shape(source: dict) -> tuple[int, int, int]:
    """The shape every segment must have: the front-end's, where download computed the spectrograms
    (synthetic data, audio folders), else the specification's (the Drive data, saved datasets)."""
    frontend = source.get("frontend")
    if frontend is None:
        return DRIVE_SEGMENT_SHAPE
    return (frontend["segment_frames"], frontend["num_mel_bins"], 1)


def prepare_data(*, raw_dir: Path, out_dir: Path, num_classes: int) -> dict:
    """Validate raw_dir's two splits, standardize with training statistics, write out_dir."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not (raw_dir / SOURCE_FILE).exists():
        raise UserError(f"{raw_dir} is not a complete download (no {SOURCE_FILE}): run the download stage.")
    source = json.loads((raw_dir / SOURCE_FILE).read_text())
    check_class_names(source.get("class_names"), num_classes)

    splits, specs, song_ids = {}, {}, {}
    for split in SPLITS:
        print(f"Loading and validating split '{split}' ...", flush=True)
        spectrograms, raw_labels, split_song_ids, specs[split] = load_split(raw_dir / split, split)
        validate_spectrograms(spectrograms, split, segment_shape(source))
        splits[split] = (spectrograms.astype(np.float32), labels_to_class_ids(raw_labels, num_classes, split))
        if split_song_ids is not None:
            song_ids[split] = split_song_ids.astype(np.int32)
    check_every_class_present(splits["train"][1], num_classes, split="train")

    mean, std = mel_bin_statistics(splits["train"][0])
    summary = {
        "source": source,
        "num_classes": num_classes,
        "class_names": source.get("class_names", [str(index) for index in range(num_classes)]),
        "element_spec": specs,
        "counts": {
            split: {"total": len(labels), "per_class": np.bincount(labels, minlength=num_classes).tolist()}
            for split, (_, labels) in splits.items()
        },
        "standardization": {"per": "mel bin", "mean": _rounded(mean), "std": _rounded(std)},
        "song_ids": sorted(song_ids) == sorted(SPLITS),
    }
    _write(out_dir, splits, song_ids if summary["song_ids"] else {}, mean, std, summary)
    return summary


def check_class_names(class_names: list[str] | None, num_classes: int) -> None:
    """A source that names its classes (synthetic, audio folders) must have data.num_classes of them."""
    if class_names is not None and len(class_names) < 2:
        raise UserError(
            f"the data has {len(class_names)} class ({', '.join(class_names)}): a classifier needs at least 2; "
            "for an audio folder, add genre folders or list at least 2 in data.genres"
        )
    if class_names is not None and len(class_names) != num_classes:
        raise UserError(
            f"the data has {len(class_names)} classes ({', '.join(class_names)}) but data.num_classes is "
            f"{num_classes}: set data.num_classes to {len(class_names)}, or, for an audio folder, "
            f"list the {num_classes} genre folders to use in data.genres"
        )


def validate_spectrograms(spectrograms: np.ndarray, split: str, expected_shape: tuple[int, int, int]) -> None:
    if spectrograms.shape[1:] != expected_shape:
        raise UserError(
            f"split '{split}': element shape {spectrograms.shape[1:]} where {expected_shape} "
            "(time, mel bins, channel) is expected (example index 0)"
        )
    if not np.issubdtype(spectrograms.dtype, np.floating):
        raise UserError(f"split '{split}': spectrograms have dtype {spectrograms.dtype}, expected a float (example index 0)")
    finite = np.isfinite(spectrograms).reshape(len(spectrograms), -1).all(axis=1)
    if not finite.all():
        raise UserError(f"split '{split}': spectrogram values are not all finite (NaN or inf), example index {int(np.argmin(finite))}")


def labels_to_class_ids(labels: np.ndarray, num_classes: int, split: str) -> np.ndarray:
    """Accept integer class ids of shape (n,) or (n, 1), or one-hot vectors (n, num_classes)."""
    if labels.ndim == 2 and labels.shape[1] == num_classes and num_classes > 1:
        is_one_hot = np.isin(labels, (0, 1)).all(axis=1) & (labels.sum(axis=1) == 1)
        if not is_one_hot.all():
            raise UserError(
                f"split '{split}': labels of width {num_classes} must be one-hot vectors, example index "
                f"{int(np.argmin(is_one_hot))} is {labels[np.argmin(is_one_hot)].tolist()}"
            )
        return labels.argmax(axis=1).astype(np.int32)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise UserError(
            f"split '{split}': labels have shape {labels.shape[1:]} per element; expected a class id "
            f"or a one-hot vector of length {num_classes} (data.num_classes) (example index 0)"
        )
    in_range = (labels == np.round(labels)) & (labels >= 0) & (labels < num_classes)
    if not in_range.all():
        index = int(np.argmin(in_range))
        raise UserError(
            f"split '{split}': label {labels[index]} at example index {index} is not a class id in "
            f"0..{num_classes - 1} (data.num_classes is {num_classes})"
        )
    return labels.astype(np.int32)


def check_every_class_present(class_ids: np.ndarray, num_classes: int, split: str) -> None:
    missing = np.flatnonzero(np.bincount(class_ids, minlength=num_classes) == 0)
    if missing.size:
        raise UserError(
            f"split '{split}': classes {missing.tolist()} have no examples; every class must be present "
            f"(example index 0 has class {int(class_ids[0])})"
        )


def mel_bin_statistics(spectrograms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each mel bin over all examples and frames: (mel_bins,) each."""
    mean = spectrograms.mean(axis=(0, 1, 3), dtype=np.float64)
    std = spectrograms.std(axis=(0, 1, 3), dtype=np.float64)
    return mean, np.maximum(std, 1e-6)


def _write(out_dir: Path, splits: dict, song_ids: dict, mean: np.ndarray, std: np.ndarray, summary: dict) -> None:
    with staged_directory(out_dir) as staging:
        for split, (spectrograms, labels) in splits.items():
            (staging / split).mkdir()
            np.save(staging / split / "spectrograms.npy", standardize(spectrograms, mean, std))
            np.save(staging / split / "labels.npy", labels)
            if split in song_ids:
                np.save(staging / split / "song_ids.npy", song_ids[split])
        (staging / SUMMARY_FILE).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(value), 6) for value in values]
