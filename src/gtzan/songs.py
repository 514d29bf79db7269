"""Songs and their segments: song-level predictions.

Every source this project renders or decodes (synthetic data, audio folders) gives each segment the
id of its song; evaluation averages a song's segment probabilities into one prediction per song.
"""

import numpy as np


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
