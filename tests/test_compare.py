"""The bootstrap of gtzan.compare on constructed outcomes whose answer is known."""

import numpy as np
import pytest

from gtzan.compare import Estimate, accuracy, difference, resamples, verdict


def outcomes(items: int, right: int) -> np.ndarray:
    """(items,) bool: the first `right` items right."""
    return np.arange(items) < right


def width(estimate: Estimate) -> float:
    return estimate.high - estimate.low


def test_identical_predictions_give_a_zero_width_paired_interval():
    correct = np.random.default_rng(1).random(300) < 0.6
    songs = np.repeat(np.arange(20), 15)
    assert difference(correct, correct, songs, seed=0) == Estimate(0.0, 0.0, 0.0)
    assert verdict(difference(correct, correct, seed=0)) == "not distinguishable on this split"


def test_the_interval_of_a_large_split_is_the_binomial_one_and_a_tiny_split_gives_a_wider_one():
    large = accuracy(outcomes(1000, 700), seed=0)
    assert large.value == 0.7 and large.low < 0.7 < large.high
    half_width = 1.96 * np.sqrt(0.7 * 0.3 / 1000)  # 2.8 points: the normal approximation, right at this size
    assert width(large) / 2 == pytest.approx(half_width, rel=0.12)
    tiny = accuracy(outcomes(10, 7), seed=0)
    assert tiny.value == 0.7 and width(tiny) > 4 * width(large)


def test_songs_are_resampled_whole():
    # 100 songs of 15 segments, each song all right or all wrong: 100 independent outcomes, not 1,500
    songs = np.repeat(np.arange(100), 15)
    correct = songs < 70
    by_song = accuracy(correct, songs, seed=0)
    by_segment = accuracy(correct, seed=0)
    assert by_song.value == by_segment.value == pytest.approx(0.7)
    assert width(by_song) == pytest.approx(width(accuracy(outcomes(100, 70), seed=0)))
    assert width(by_song) > 3 * width(by_segment)  # sqrt(15) = 3.9 times as wide


def test_the_same_seed_gives_the_same_interval():
    correct = np.random.default_rng(2).random(200) < 0.5
    assert accuracy(correct, seed=7) == accuracy(correct, seed=7)
    np.testing.assert_array_equal(resamples(200, seed=7), resamples(200, seed=7))
    assert not np.array_equal(resamples(200, seed=7), resamples(200, seed=8))
    other = np.random.default_rng(3).random(200) < 0.5
    assert difference(correct, other, seed=7) == difference(correct, other, seed=7)


def test_a_paired_difference_and_its_verdict():
    # b gets 10 of a's 100 right songs wrong, and nothing else differs
    a, b = outcomes(100, 100), outcomes(100, 90)
    better = difference(a, b, seed=0)
    assert better.value == pytest.approx(0.1) and 0 < better.low < 0.1 < better.high
    assert verdict(better) == "better"
    worse = difference(b, a, seed=0)
    assert worse == Estimate(-better.value, -better.high, -better.low)
    assert verdict(worse) == "worse"
    # one song apart out of 30: not enough to tell them apart
    assert verdict(difference(outcomes(30, 20), outcomes(30, 19), seed=0)) == "not distinguishable on this split"


def test_pairing_cancels_what_both_models_share():
    # both models right on the same 60 of 100 items, b also wrong on 5 more: the unpaired intervals overlap,
    # the paired one excludes 0
    a, b = outcomes(100, 65), outcomes(100, 60)
    assert accuracy(a, seed=0).low < accuracy(b, seed=0).high
    assert verdict(difference(a, b, seed=0)) == "better"


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match=r"same items for both models"):
        difference(outcomes(10, 5), outcomes(11, 5), seed=0)
    with pytest.raises(ValueError, match=r"groups must have the shape of correct"):
        accuracy(outcomes(10, 5), np.arange(9), seed=0)
    with pytest.raises(ValueError, match=r"at least one item"):
        accuracy(np.array([], dtype=bool), seed=0)
