"""Songs and their segments: the train/validation split and song-level predictions.

Every source this project renders or decodes (synthetic data, audio folders) gives each segment the
id of its song. The split keeps a song's segments together (`song`) or, as the Drive data was
split, scatters them (`segment`); evaluation averages a song's segment probabilities into one
prediction per song.
"""

import numpy as np

from gtzan.errors import UserError

SPLIT_METHODS = ("song", "segment")
VALIDATION_FRACTION = 0.2


def check_split_method(method: str) -> None:
    if method not in SPLIT_METHODS:
        raise UserError(f"data.split '{method}' is unknown; valid values are {list(SPLIT_METHODS)}")


def split_masks(labels: np.ndarray, song_ids: np.ndarray, method: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train_mask, val_mask) over segments by data.split `method`: VALIDATION_FRACTION of each genre."""
    check_split_method(method)
    if method == "song":
        return split_by_song(labels, song_ids, VALIDATION_FRACTION, seed)
    return split_by_segment(labels, VALIDATION_FRACTION, seed)


def split_by_song(
    labels: np.ndarray, song_ids: np.ndarray, validation_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(train_mask, val_mask) over segments, stratified by genre, with every song on one side only.

    Of each genre's n songs, round(validation_fraction * n) go to validation, chosen with
    np.random.default_rng(seed); at least one and at most n - 1 when n >= 2 (training keeps
    every genre), none when n == 1.
    """
    _check_fraction(validation_fraction)
    song_ids = np.asarray(song_ids)
    songs, song_labels = _song_labels(labels, song_ids)  # (songs,) each
    rng = np.random.default_rng(seed)
    val_songs = [
        rng.choice(genre_songs, size=_validation_count(len(genre_songs), validation_fraction), replace=False)
        for genre_songs in (songs[song_labels == genre] for genre in np.unique(song_labels))
    ]
    val_mask = np.isin(song_ids, np.concatenate(val_songs))
    return ~val_mask, val_mask


def split_by_segment(labels: np.ndarray, validation_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train_mask, val_mask): the Drive data's protocol, a random split over segments stratified by genre.

    Segments of one song can land on both sides. Of each genre's n segments,
    round(validation_fraction * n) go to validation (at least one, at most n - 1 when n >= 2).
    """
    _check_fraction(validation_fraction)
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must have shape (n,), got {labels.shape}")
    rng = np.random.default_rng(seed)
    val_mask = np.zeros(len(labels), dtype=bool)
    for genre in np.unique(labels):
        indices = np.flatnonzero(labels == genre)
        val_mask[rng.choice(indices, size=_validation_count(len(indices), validation_fraction), replace=False)] = True
    return ~val_mask, val_mask


def song_predictions(probabilities: np.ndarray, song_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique song ids (songs,), mean segment probabilities of each song (songs, classes))."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    song_ids = np.asarray(song_ids)
    if probabilities.ndim != 2 or song_ids.shape != (len(probabilities),):
        raise ValueError(
            f"expected probabilities (n, classes) and song_ids (n,), got shapes {probabilities.shape} and {song_ids.shape}"
        )
    songs, inverse = np.unique(song_ids, return_inverse=True)
    sums = np.zeros((len(songs), probabilities.shape[1]))  # (songs, classes)
    np.add.at(sums, inverse, probabilities)
    return songs, sums / np.bincount(inverse)[:, np.newaxis]


def song_outcomes(probabilities: np.ndarray, labels: np.ndarray, song_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unique song ids, the label of each, its predicted class: the arg-max of its mean segment probabilities), by song id."""
    songs, mean_probabilities = song_predictions(probabilities, song_ids)
    _, song_labels = _song_labels(labels, song_ids)  # in the same order: both sorted by song id
    return songs, song_labels, mean_probabilities.argmax(axis=1)


def _song_labels(labels: np.ndarray, song_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique song ids, the label of each), sorted by song id; ValueError if a song has two labels."""
    labels, song_ids = np.asarray(labels), np.asarray(song_ids)
    if labels.ndim != 1 or labels.shape != song_ids.shape:
        raise ValueError(f"labels and song_ids must both have shape (n,), got {labels.shape} and {song_ids.shape}")
    songs, first = np.unique(song_ids, return_index=True)
    song_labels = labels[first]  # (songs,)
    mixed = labels != song_labels[np.searchsorted(songs, song_ids)]
    if mixed.any():
        index = int(np.argmax(mixed))
        raise ValueError(
            f"song {song_ids[index]} has segments of more than one label ({song_labels[np.searchsorted(songs, song_ids[index])]} "
            f"and {labels[index]}, segment index {index}); all segments of a song must share its label"
        )
    return songs, song_labels


def _validation_count(count: int, validation_fraction: float) -> int:
    if count < 2:
        return 0
    return min(max(int(round(validation_fraction * count)), 1), count - 1)


def _check_fraction(validation_fraction: float) -> None:
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
