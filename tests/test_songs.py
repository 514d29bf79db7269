"""Songs and their segments: the train/validation split and song-level scores."""

import numpy as np
import pytest

from gtzan.errors import UserError
from gtzan.songs import split_by_segment, split_by_song, split_masks, song_outcomes, song_predictions


def synthetic_songs(songs_per_genre: int = 10, genres: int = 4, segments: int = 15):
    """(labels, song_ids) of songs_per_genre songs per genre, each of `segments` segments."""
    song_labels = np.repeat(np.arange(genres), songs_per_genre)
    return np.repeat(song_labels, segments).astype(np.int32), np.repeat(np.arange(len(song_labels)), segments).astype(np.int32)


def test_split_by_song_keeps_every_song_on_one_side_and_stratifies():
    labels, song_ids = synthetic_songs()
    train, val = split_by_song(labels, song_ids, 0.2, seed=7)
    assert not (train & val).any() and (train | val).all()
    assert not set(song_ids[train]) & set(song_ids[val])
    for genre in range(4):
        assert len(set(song_ids[val & (labels == genre)])) == 2  # 20 % of 10 songs
    np.testing.assert_array_equal(val, split_by_song(labels, song_ids, 0.2, seed=7)[1])
    assert not np.array_equal(val, split_by_song(labels, song_ids, 0.2, seed=8)[1])


def test_split_by_song_keeps_a_song_per_genre_on_each_side():
    labels, song_ids = synthetic_songs(songs_per_genre=2, segments=3)
    for fraction in (0.01, 0.99):
        train, val = split_by_song(labels, song_ids, fraction, seed=0)
        assert set(labels[train]) == set(labels[val]) == {0, 1, 2, 3}


def test_split_by_segment_puts_songs_on_both_sides():
    labels, song_ids = synthetic_songs()
    train, val = split_by_segment(labels, 0.2, seed=7)
    assert not (train & val).any() and (train | val).all()
    assert np.bincount(labels[val]).tolist() == [30, 30, 30, 30]  # 20 % of 150 segments per genre
    assert set(song_ids[train]) & set(song_ids[val])


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_splits_refuse_fractions_outside_zero_one(fraction):
    labels, song_ids = synthetic_songs()
    with pytest.raises(ValueError, match="validation_fraction"):
        split_by_song(labels, song_ids, fraction, seed=0)
    with pytest.raises(ValueError, match="validation_fraction"):
        split_by_segment(labels, fraction, seed=0)


def test_a_songs_outcome_averages_its_segments():
    probabilities = np.array(
        [
            [0.8, 0.2],  # song 5, label 0: two segments right, one wrong; mean [0.6, 0.4], right
            [0.7, 0.3],
            [0.3, 0.7],
            [0.9, 0.1],  # song 2, label 1: two segments right, one very wrong; mean favours 0, wrong
            [0.4, 0.6],
            [0.45, 0.55],
        ]
    )
    labels = np.array([0, 0, 0, 1, 1, 1])
    song_ids = np.array([5, 5, 5, 2, 2, 2])
    songs, mean = song_predictions(probabilities, song_ids)
    np.testing.assert_array_equal(songs, [2, 5])
    np.testing.assert_allclose(mean, [[1.75 / 3, 1.25 / 3], [0.6, 0.4]])
    outcome_songs, song_labels, predicted = song_outcomes(probabilities, labels, song_ids)
    np.testing.assert_array_equal(outcome_songs, [2, 5])
    np.testing.assert_array_equal(song_labels, [1, 0])
    np.testing.assert_array_equal(predicted, [0, 0])  # song 2 wrong, song 5 right


def test_song_outcomes_refuse_a_song_with_two_labels():
    with pytest.raises(ValueError, match="more than one label"):
        song_outcomes(np.full((3, 2), 0.5), np.array([0, 1, 0]), np.array([4, 4, 4]))


def test_split_masks_dispatch_on_the_method_and_refuse_others():
    labels, song_ids = synthetic_songs()
    np.testing.assert_array_equal(split_masks(labels, song_ids, "song", seed=3)[1], split_by_song(labels, song_ids, 0.2, seed=3)[1])
    np.testing.assert_array_equal(split_masks(labels, song_ids, "segment", seed=3)[1], split_by_segment(labels, 0.2, seed=3)[1])
    with pytest.raises(UserError, match=r"data.split 'album' is unknown; valid values are \['song', 'segment'\]"):
        split_masks(labels, song_ids, "album", seed=3)
