"""Songs and their segments: song-level scores."""

import numpy as np
import pytest

from gtzan.songs import song_outcomes, song_predictions


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
