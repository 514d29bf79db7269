"""The split protocols (data.split): which segments train, which select (validation), which are reported (test).

    song      stratified by genre, every song's segments on one side: VALIDATION_FRACTION of each genre's
              songs validate, data.test_fraction of them test (0, the default, keeps the specification's
              80/20 train/validation), the rest train
    segment   the same fractions over segments, a song's segments scattered over the sides (the Drive
              data's protocol)
    filtered  GTZAN's fault-filtered split (Kereliuk, Sturm and Larsen 2015): the clip lists of
              splits/gtzan-fault-filtered/, restricted to the genres in use; the clips must carry GTZAN's
              names (<genre>.<5 digits>.<ext>)

The Drive data comes already split by segment into train and validation (`given`): no protocol applies.
Every split is described in one line (`Split.protocol["description"]`) that goes beside every figure.
"""

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from gtzan.errors import UserError
from gtzan.prepared import SIDE_WORDS, SIDES

METHODS = ("song", "segment", "filtered")
VALIDATION_FRACTION = 0.2
MAX_TEST_FRACTION = 0.5
LIST_FILES = {"train": "train_filtered.txt", "val": "valid_filtered.txt", "test": "test_filtered.txt"}
GTZAN_CLIP_NAME = re.compile(r"^[a-z]+\.\d{5}$")  # a clip's name without its extension: blues.00012


@dataclass(frozen=True, eq=False)
class Split:
    masks: dict[str, np.ndarray]  # side -> (n,) bool over the segments; "test" only where the protocol has one
    protocol: dict  # JSON: method, description and the counts behind it


def check_split_params(method: str, test_fraction: float) -> None:
    if method not in METHODS:
        raise UserError(f"data.split '{method}' is unknown; valid values are {list(METHODS)}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)) or not 0 <= test_fraction <= MAX_TEST_FRACTION:
        raise UserError(f"data.test_fraction must be a number from 0 to {MAX_TEST_FRACTION}, got {test_fraction!r}")
    if method == "filtered" and test_fraction:
        raise UserError(f"data.split 'filtered' has its own test list: set data.test_fraction to 0 (it is {test_fraction})")


def split_segments(
    labels: np.ndarray,
    song_ids: np.ndarray,
    clips: list[str],
    class_names: list[str],
    *,
    method: str,
    test_fraction: float,
    seed: int,
    lists_dir: Path | None,
) -> Split:
    """Divide segments (labels and song ids (n,) each; clips: each song id's clip name) by the protocol `method`."""
    check_split_params(method, test_fraction)
    labels, song_ids = np.asarray(labels), np.asarray(song_ids)
    if method == "filtered":
        if lists_dir is None:
            raise ValueError("data.split 'filtered' needs the directory of the fault-filtered lists")
        return filtered_split(song_ids, clips, class_names, read_lists(lists_dir))
    fractions = {"val": VALIDATION_FRACTION, "test": test_fraction}
    units = song_ids if method == "song" else np.arange(len(labels))
    masks = stratified_masks(labels, units, fractions, seed)
    if "test" in masks:
        _check_every_genre_tested(labels, masks["test"], class_names, method)
    counts = {side: len(np.unique(units[mask])) for side, mask in masks.items()}
    percents = [round(100 * (1 - VALIDATION_FRACTION - test_fraction)), round(100 * VALIDATION_FRACTION)]
    if "test" in masks:
        percents.append(round(100 * test_fraction))
    unit = "songs" if method == "song" else "segments"
    description = f"{method} split {'/'.join(map(str, percents))}: {_sides_in_words(counts)} {unit}"
    return Split(masks, {"method": method, "test_fraction": test_fraction, unit: counts, "description": description})


def stratified_masks(labels: np.ndarray, units: np.ndarray, fractions: dict[str, float], seed: int) -> dict[str, np.ndarray]:
    """side -> (n,) mask over items; units (n,) groups items that stay together (songs, or each item alone).

    Of each genre's n units, round(fraction * n) go to each side of `fractions` (validation, then test), at
    least one where the fraction is positive, as long as training keeps at least one; the rest train. The
    units are drawn with np.random.default_rng(seed), validation first, genre by genre. A side of fraction 0
    is absent.
    """
    rng = np.random.default_rng(seed)
    chosen = {side: [] for side, fraction in fractions.items() if fraction > 0}
    unit_ids, first = np.unique(units, return_index=True)
    unit_labels = np.asarray(labels)[first]
    for genre in np.unique(unit_labels):
        remaining = unit_ids[unit_labels == genre]
        total = len(remaining)
        for side in chosen:
            count = max(min(max(round(fractions[side] * total), 1), len(remaining) - 1), 0)
            picked = rng.choice(remaining, size=count, replace=False)
            chosen[side].append(picked)
            remaining = np.setdiff1d(remaining, picked)
    masks = {side: np.isin(units, np.concatenate(parts)) for side, parts in chosen.items()}
    held_out = np.logical_or.reduce(list(masks.values()))
    return {"train": ~held_out, **masks}


def _check_every_genre_tested(labels: np.ndarray, test: np.ndarray, class_names: list[str], method: str) -> None:
    untested = [name for genre, name in enumerate(class_names) if not (test & (labels == genre)).any()]
    if untested:
        unit = "songs" if method == "song" else "segments"
        raise UserError(
            f"data.test_fraction leaves no test {unit[:-1]} of {', '.join(untested)}: a genre needs at least 3 {unit} for "
            "train, validation and test; add more, or set data.test_fraction to 0"
        )


def read_lists(lists_dir: Path) -> dict[str, list[str]]:
    """side -> the fault-filtered list's clip names without extension (blues.00012), from lists_dir."""
    lists = {}
    for side, file_name in LIST_FILES.items():
        path = Path(lists_dir) / file_name
        if not path.is_file():
            raise UserError(f"{path} not found: the fault-filtered split's lists belong in {lists_dir} (restore them with git checkout)")
        lists[side] = [_clip_stem(line) for line in path.read_text().split()]
    return lists


def filtered_split(song_ids: np.ndarray, clips: list[str], class_names: list[str], lists: dict[str, list[str]]) -> Split:
    """The fault-filtered lists' sides for the songs the data has, restricted to its genres (class_names).

    Songs whose clip is in no list are left out; list entries the data lacks are counted as missing, by
    side and genre. A side without any song of some genre is a UserError.
    """
    stems = [_clip_stem(clip) for clip in clips]  # indexed by song id
    if not any(GTZAN_CLIP_NAME.match(stem) for stem in stems):
        raise UserError(
            f"data.split 'filtered' follows GTZAN's clip names (<genre>/<genre>.<5 digits>.<ext>, e.g. blues/blues.00012.wav), "
            f"and none of the data's {len(clips)} clips is named so (e.g. '{clips[0]}'): use data.split song or segment"
        )
    in_use = set(class_names)
    side_of = {stem: side for side, names in lists.items() for stem in names if _genre(stem) in in_use}
    present = set(stems)
    missing = {side: {} for side in SIDES}
    for stem, side in side_of.items():
        if stem not in present:
            missing[side][_genre(stem)] = missing[side].get(_genre(stem), 0) + 1
    song_side = np.array([side_of.get(stem, "") for stem in stems])  # (songs,)
    masks = {side: song_side[song_ids] == side for side in SIDES}
    clip_counts = {side: int((song_side == side).sum()) for side in SIDES}
    for side in SIDES:
        genres_there = {_genre(stems[song]) for song in np.flatnonzero(song_side == side)}
        empty = [genre for genre in class_names if genre not in genres_there]
        if empty:
            raise UserError(
                f"data.split 'filtered': no {SIDE_WORDS[side]} clip of {', '.join(empty)}: the data has none of the "
                f"clips {LIST_FILES[side]} lists for {'that genre' if len(empty) == 1 else 'those genres'}; "
                "add them (the synthetic data has them all at data.synthetic.songs_per_genre 100), or leave the genre out "
                "(data.genres, for an audio folder)"
            )
    left_out = int((song_side == "").sum())
    missing_total = sum(sum(genres.values()) for genres in missing.values())
    description = (f"fault-filtered split: {_sides_in_words(clip_counts)} clips of {len(class_names)} genres, "
                   f"{missing_total} missing, {left_out} left out")
    return Split(masks, {"method": "filtered", "clips": clip_counts, "missing": missing, "left_out": left_out,
                         "description": description})


def describe_missing(protocol: dict) -> str | None:
    """The fault-filtered lists' clips the data lacks, by side and genre, in one line; None where none is missing."""
    missing = protocol.get("missing", {})
    sides = [f"{SIDE_WORDS[side]} " + ", ".join(f"{genre} {count}" for genre, count in sorted(missing[side].items()))
             for side in SIDES if missing.get(side)]
    return f"listed but not in the data: {'; '.join(sides)}" if sides else None


def given_protocol(counts: dict[str, int], source: str | None) -> dict:
    """The protocol of data that comes split (the Drive data, saved datasets): counts are segments per side."""
    split = "segment split" if source == "gdrive" else "split"  # saved datasets of unknown provenance: any split
    return {"method": "given", "segments": counts,
            "description": f"the data's own {split}: {_sides_in_words(counts)} segments"}


def _sides_in_words(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[side]:,} {SIDE_WORDS[side]}" for side in SIDES if side in counts)


def _clip_stem(clip: str) -> str:
    """blues/blues.00012.wav -> blues.00012"""
    return PurePosixPath(clip).stem


def _genre(stem: str) -> str:
    return stem.split(".")[0]
