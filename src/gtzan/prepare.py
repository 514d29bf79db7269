"""The prepare stage: validate the log-mel features (data/features/logmel/, gtzan.featurize), split them by
data.split (gtzan.splits) unless they come split (the Drive data), and write the sides in one canonical form,
standardized with the training side's statistics.

The output's layout is gtzan.prepared's; it is byte-for-byte identical for identical input, so an
unchanged dataset retrains nothing.
"""

import json
from pathlib import Path

import numpy as np

from gtzan.datasets import CLIPS_FILE, SEGMENTS_DIR, SOURCE_FILE, GIVEN_SIDES, load_segments, load_split
from gtzan.errors import UserError
from gtzan.files import staged_directory
from gtzan.prepared import SUMMARY_FILE, standardize
from gtzan.splits import check_split_params, given_protocol, split_segments

DRIVE_SEGMENT_SHAPE = (80, 80, 1)  # the specification's: (time, mel bins, channel)


def segment_shape(source: dict) -> tuple[int, int, int]:
    """The shape every segment must have: the front-end's, where download computed the spectrograms
    (synthetic data, audio folders), else the specification's (the Drive data, saved datasets)."""
    frontend = source.get("frontend")
    if frontend is None:
        return DRIVE_SEGMENT_SHAPE
    return (frontend["segment_frames"], frontend["num_mel_bins"], 1)


def prepare_data(
    *,
    features_dir: Path,
    out_dir: Path,
    num_classes: int,
    protocol: str = "song",
    test_fraction: float = 0.0,
    seed: int = 0,
    lists_dir: Path | None = None,
) -> dict:
    """Validate features_dir's log-mel segments, split them (protocol: data.split, test_fraction, seed, lists_dir: gtzan.splits), standardize
    with training statistics, write out_dir; return its summary."""
    features_dir, out_dir = Path(features_dir), Path(out_dir)
    if not (features_dir / SOURCE_FILE).exists():
        raise UserError(f"{features_dir} is not a complete set of features (no {SOURCE_FILE}): run the featurize stage (dvc repro featurize).")
    source = json.loads((features_dir / SOURCE_FILE).read_text())
    check_class_names(source.get("class_names"), num_classes)
    check_split_params(protocol, test_fraction)
    if (features_dir / SEGMENTS_DIR).is_dir():
        sides, song_ids, positions, clips, drawn, specs = _split_segments(
            features_dir / SEGMENTS_DIR, source, num_classes, method=protocol, test_fraction=test_fraction, seed=seed, lists_dir=lists_dir)
    else:
        sides, song_ids, specs = _read_given_split(features_dir, source, num_classes, protocol=protocol, test_fraction=test_fraction)
        positions, clips = {}, None
        drawn = given_protocol({side: len(labels) for side, (_, labels) in sides.items()}, source.get("source"))
    check_every_class_present(sides["train"][1], num_classes, side="train")

    mean, std = mel_bin_statistics(sides["train"][0])
    summary = {
        "source": source,
        "protocol": drawn,
        "num_classes": num_classes,
        "class_names": source.get("class_names", [str(index) for index in range(num_classes)]),
        "element_spec": specs,
        "counts": {
            side: {"total": len(labels), "per_class": np.bincount(labels, minlength=num_classes).tolist()}
            for side, (_, labels) in sides.items()
        },
        "standardization": {"per": "mel bin", "mean": _rounded(mean), "std": _rounded(std)},
        "song_ids": sorted(song_ids) == sorted(sides),
    }
    _write(out_dir, sides, song_ids if summary["song_ids"] else {}, positions, clips, mean, std, summary)
    return summary


def _split_segments(
    path: Path, source: dict, num_classes: int, *, method: str, test_fraction: float, seed: int, lists_dir: Path | None
) -> tuple[dict, dict, dict, dict]:
    """The unsplit segments of the synthetic data or an audio folder, split: (sides, song ids, positions (each
    segment's index in its clip), clip names by song id, the protocol as drawn (gtzan.splits), element specs)."""
    print(f"Loading the segments for the {method} split ...", flush=True)
    spectrograms, raw_labels, song_ids, clips = load_segments(path)
    validate_spectrograms(spectrograms, "segments", segment_shape(source))
    labels = labels_to_class_ids(raw_labels, num_classes, "segments")
    class_names = source.get("class_names") or [str(index) for index in range(num_classes)]
    split = split_segments(labels, song_ids, clips, class_names, method=method, test_fraction=test_fraction, seed=seed,
                           lists_dir=lists_dir)
    sides = {side: (spectrograms[mask].astype(np.float32), labels[mask]) for side, mask in split.masks.items()}
    spec = f"{list(spectrograms.shape[1:])} {spectrograms.dtype.name}, label, song id"
    positions = segment_positions(song_ids)
    return (sides, {side: song_ids[mask].astype(np.int32) for side, mask in split.masks.items()},
            {side: positions[mask] for side, mask in split.masks.items()}, clips, split.protocol, {"segments": spec})


def segment_positions(song_ids: np.ndarray) -> np.ndarray:
    """Each segment's index within its clip: a clip's segments are consecutive and in order (n,) int32."""
    song_ids = np.asarray(song_ids)
    starts = np.flatnonzero(np.r_[True, song_ids[1:] != song_ids[:-1]])  # the first segment of each run
    return (np.arange(len(song_ids)) - np.repeat(starts, np.diff(np.r_[starts, len(song_ids)]))).astype(np.int32)


def _read_given_split(features_dir: Path, source: dict, num_classes: int, *, protocol: str, test_fraction: float) -> tuple[dict, dict, dict]:
    """The Drive data's (or saved datasets') own train and validation sides: (sides, song ids, element specs)."""
    if protocol == "filtered" or test_fraction:
        raise UserError(
            f"the data in {features_dir} comes already split into train and validation (the Drive data, or saved datasets): "
            "data.split 'filtered' and data.test_fraction need the synthetic data or an audio folder; "
            "set data.split to song and data.test_fraction to 0"
        )
    sides, specs, song_ids = {}, {}, {}
    for side in GIVEN_SIDES:
        print(f"Loading and validating side '{side}' ...", flush=True)
        spectrograms, raw_labels, side_song_ids, specs[side] = load_split(features_dir / side, side)
        validate_spectrograms(spectrograms, side, segment_shape(source))
        sides[side] = (spectrograms.astype(np.float32), labels_to_class_ids(raw_labels, num_classes, side))
        if side_song_ids is not None:
            song_ids[side] = side_song_ids.astype(np.int32)
    return sides, song_ids, specs


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


def validate_spectrograms(spectrograms: np.ndarray, side: str, expected_shape: tuple[int, int, int]) -> None:
    if spectrograms.shape[1:] != expected_shape:
        raise UserError(
            f"side '{side}': element shape {spectrograms.shape[1:]} where {expected_shape} "
            "(time, mel bins, channel) is expected (example index 0)"
        )
    if not np.issubdtype(spectrograms.dtype, np.floating):
        raise UserError(f"side '{side}': spectrograms have dtype {spectrograms.dtype}, expected a float (example index 0)")
    finite = np.isfinite(spectrograms).reshape(len(spectrograms), -1).all(axis=1)
    if not finite.all():
        raise UserError(f"side '{side}': spectrogram values are not all finite (NaN or inf), example index {int(np.argmin(finite))}")


def labels_to_class_ids(labels: np.ndarray, num_classes: int, side: str) -> np.ndarray:
    """Accept integer class ids of shape (n,) or (n, 1), or one-hot vectors (n, num_classes)."""
    if labels.ndim == 2 and labels.shape[1] == num_classes and num_classes > 1:
        is_one_hot = np.isin(labels, (0, 1)).all(axis=1) & (labels.sum(axis=1) == 1)
        if not is_one_hot.all():
            raise UserError(
                f"side '{side}': labels of width {num_classes} must be one-hot vectors, example index "
                f"{int(np.argmin(is_one_hot))} is {labels[np.argmin(is_one_hot)].tolist()}"
            )
        return labels.argmax(axis=1).astype(np.int32)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise UserError(
            f"side '{side}': labels have shape {labels.shape[1:]} per element; expected a class id "
            f"or a one-hot vector of length {num_classes} (data.num_classes) (example index 0)"
        )
    in_range = (labels == np.round(labels)) & (labels >= 0) & (labels < num_classes)
    if not in_range.all():
        index = int(np.argmin(in_range))
        raise UserError(
            f"side '{side}': label {labels[index]} at example index {index} is not a class id in "
            f"0..{num_classes - 1} (data.num_classes is {num_classes})"
        )
    return labels.astype(np.int32)


def check_every_class_present(class_ids: np.ndarray, num_classes: int, side: str) -> None:
    missing = np.flatnonzero(np.bincount(class_ids, minlength=num_classes) == 0)
    if missing.size:
        raise UserError(
            f"side '{side}': classes {missing.tolist()} have no examples; every class must be present "
            f"(example index 0 has class {int(class_ids[0])})"
        )


def mel_bin_statistics(spectrograms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each mel bin over all examples and frames: (mel_bins,) each."""
    mean = spectrograms.mean(axis=(0, 1, 3), dtype=np.float64)
    std = spectrograms.std(axis=(0, 1, 3), dtype=np.float64)
    return mean, np.maximum(std, 1e-6)


def _write(out_dir: Path, sides: dict, song_ids: dict, positions: dict, clips: list[str] | None,
           mean: np.ndarray, std: np.ndarray, summary: dict) -> None:
    with staged_directory(out_dir) as staging:
        for side, (spectrograms, labels) in sides.items():
            (staging / side).mkdir()
            np.save(staging / side / "spectrograms.npy", standardize(spectrograms, mean, std))
            np.save(staging / side / "labels.npy", labels)
            if side in song_ids:
                np.save(staging / side / "song_ids.npy", song_ids[side])
            if side in positions:
                np.save(staging / side / "positions.npy", positions[side])
        if clips is not None:
            (staging / CLIPS_FILE).write_text("".join(f"{clip}\n" for clip in clips))
        (staging / SUMMARY_FILE).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(value), 6) for value in values]
