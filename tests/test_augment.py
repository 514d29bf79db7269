"""The levers against overfitting (gtzan.augment): each changes training batches only, within its bounds,
reproducibly; off, the training is the same as without them."""

import numpy as np
import pytest

import tensorflow as tf

from gtzan.augment import Augmentation, augment_batch
from gtzan.errors import UserError
from gtzan.train import make_training_dataset

NUM_CLASSES = 8
KEY = tf.constant([3, 4], tf.int64)


def batch(size: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standardized-looking segments with no zeros, so that a masked value is recognisable."""
    rng = np.random.default_rng(seed)
    spectrograms = (rng.uniform(0.5, 2.0, (size, 80, 80, 1)) * rng.choice([-1, 1], (size, 80, 80, 1))).astype(np.float32)
    return spectrograms, np.arange(size, dtype=np.int32) % NUM_CLASSES


def augmented(augmentation: Augmentation, key=KEY, data=None) -> tuple[np.ndarray, np.ndarray]:
    spectrograms, labels = data or batch()
    result = augment_batch(tf.constant(spectrograms), tf.constant(labels), augmentation=augmentation,
                           num_classes=NUM_CLASSES, key=key)
    return tuple(tensor.numpy() for tensor in result)


def bands(flags: np.ndarray) -> list[int]:
    """The lengths of the runs of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return list(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1))


@pytest.mark.parametrize("axis, augmentation", [
    (1, Augmentation(time_masks=2, time_mask_width=8)),
    (2, Augmentation(freq_masks=3, freq_mask_width=5)),
])
def test_masks_zero_whole_bands_along_their_axis_only_within_their_bounds(axis, augmentation):
    original, labels = batch()
    spectrograms, targets = augmented(augmentation)
    np.testing.assert_array_equal(targets, labels)
    count, widest = (augmentation.time_masks, augmentation.time_mask_width) if axis == 1 else (
        augmentation.freq_masks, augmentation.freq_mask_width)
    masked_somewhere = False
    for segment, before in zip(spectrograms, original):
        zero = segment[..., 0] == 0
        lines = zero.all(axis=2 - axis)  # axis 1: frames wholly zero; axis 2: mel bins wholly zero
        assert (zero == (lines[:, np.newaxis] if axis == 1 else lines[np.newaxis, :])).all(), "only whole bands are masked"
        assert sum(bands(lines)) <= count * widest and all(0 < band <= count * widest for band in bands(lines))
        np.testing.assert_array_equal(segment[~zero], before[~zero], "the rest of the segment is untouched")
        masked_somewhere |= lines.any()
    assert masked_somewhere


def test_mixup_blends_inputs_and_labels_by_the_same_weight_of_at_least_one_half():
    size = 16
    spectrograms = np.broadcast_to(np.arange(size, dtype=np.float32)[:, None, None, None], (size, 80, 80, 1)).copy()
    labels = np.arange(size, dtype=np.int32) % NUM_CLASSES
    mixed, targets = augmented(Augmentation(mixup_alpha=0.4), data=(spectrograms, labels))
    assert targets.shape == (size, NUM_CLASSES)
    np.testing.assert_allclose(targets.sum(axis=1), 1, rtol=1e-6)
    for index in range(size):
        value = mixed[index, 0, 0, 0]
        assert (mixed[index] == value).all(), "each input is one blend of two whole segments"
        weight = targets[index, labels[index]]
        assert weight >= 0.5 and np.argmax(targets[index]) == labels[index], "the largest target is the segment's own genre"
        partners = [j for j in range(size) if np.isclose(weight * index + (1 - weight) * j, value, atol=1e-4)]
        assert partners, f"segment {index}: its input is not blended by its label's weight {weight}"
        if weight < 1 - 1e-6 and labels[partners[0]] != labels[index]:
            assert np.isclose(targets[index, labels[partners[0]]], 1 - weight, atol=1e-6)
    assert (targets.max(axis=1) < 1 - 1e-3).any(), "some segments are blended"


def test_label_smoothing_softens_the_targets_and_leaves_the_inputs():
    original, labels = batch()
    spectrograms, targets = augmented(Augmentation(label_smoothing=0.1))
    np.testing.assert_array_equal(spectrograms, original)
    expected = np.full((len(labels), NUM_CLASSES), 0.1 / NUM_CLASSES, np.float32)
    expected[np.arange(len(labels)), labels] += 0.9
    np.testing.assert_allclose(targets, expected, rtol=1e-6)


def test_each_lever_draws_from_its_own_key_and_the_same_key_draws_the_same():
    both = Augmentation(time_masks=2, time_mask_width=8, freq_masks=2, freq_mask_width=8)
    time_only = Augmentation(time_masks=2, time_mask_width=8)
    np.testing.assert_array_equal(augmented(both)[0], augmented(both)[0])
    assert not np.array_equal(augmented(both)[0], augmented(both, key=tf.constant([3, 5], tf.int64))[0])
    np.testing.assert_array_equal(augmented(both)[0] == 0, (augmented(time_only)[0] == 0) | (
        augmented(Augmentation(freq_masks=2, freq_mask_width=8))[0] == 0)), "turning a lever on leaves another's draws"


def the_pipeline_before_augmentation(spectrograms, labels, *, batch_size, seed, first_epoch, epochs):
    """The training batches as the train stage drew them before the levers existed."""
    count = len(labels)

    def epoch_batches(epoch):
        order = tf.argsort(tf.random.stateless_uniform([count], seed=tf.stack([tf.constant(seed, tf.int64), epoch])))
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    batches = tf.data.Dataset.range(first_epoch, epochs).flat_map(epoch_batches)
    return batches.map(lambda indices: (tf.gather(spectrograms, indices), tf.gather(labels, indices)))


def test_with_every_lever_off_the_training_batches_are_those_of_the_unaugmented_pipeline():
    spectrograms, labels = batch(20)
    settings = dict(batch_size=8, seed=5, first_epoch=1, epochs=3)
    off = Augmentation.from_params("augment", {"time_masks": 0, "time_mask_width": 0, "mixup_alpha": 0.0, "label_smoothing": 0})
    assert not off.enabled
    now = list(make_training_dataset(spectrograms, labels, **settings, augmentation=off, num_classes=NUM_CLASSES))
    before = list(the_pipeline_before_augmentation(spectrograms, labels, **settings))
    assert len(now) == len(before) == 6
    for (x, y), (x_before, y_before) in zip(now, before):
        np.testing.assert_array_equal(x.numpy(), x_before.numpy())
        np.testing.assert_array_equal(y.numpy(), y_before.numpy())


def test_augmented_epochs_are_drawn_from_the_seed_and_the_epoch_alone():
    spectrograms, labels = batch(20)
    augmentation = Augmentation(time_masks=1, time_mask_width=10, mixup_alpha=0.3, label_smoothing=0.05)

    def epochs(first_epoch: int, seed: int = 5) -> list[np.ndarray]:
        dataset = make_training_dataset(spectrograms, labels, batch_size=8, seed=seed, first_epoch=first_epoch, epochs=3,
                                        augmentation=augmentation, num_classes=NUM_CLASSES)
        return [x.numpy() for x, _ in dataset]

    uninterrupted = epochs(0)
    resumed = epochs(1)
    assert all(np.array_equal(a, b) for a, b in zip(uninterrupted[3:], resumed)), "a resumed run augments as the uninterrupted one"
    assert not np.array_equal(uninterrupted[0], uninterrupted[3]), "each epoch augments anew"
    assert not np.array_equal(uninterrupted[0], epochs(0, seed=6)[0])


@pytest.mark.parametrize("block, message", [
    ({"time_mask": 2}, r"models.cnn_gru.augment has unknown keys \['time_mask'\]; valid keys are \['time_masks', "),
    ({"time_masks": -1}, r"models.cnn_gru.augment.time_masks must be a non-negative integer, got -1"),
    ({"freq_masks": 1.5}, r"models.cnn_gru.augment.freq_masks must be a non-negative integer, got 1.5"),
    ({"time_masks": 2}, r"models.cnn_gru.augment.time_mask_width must be at least 1 when time_masks is 2"),
    ({"mixup_alpha": -0.2}, r"models.cnn_gru.augment.mixup_alpha must be a number from 0 \(off\) to 10, got -0.2"),
    ({"mixup_alpha": "0.2"}, r"models.cnn_gru.augment.mixup_alpha must be a number from 0 \(off\) to 10, got '0.2'"),
    ({"label_smoothing": 1.0}, r"models.cnn_gru.augment.label_smoothing must be a number in \[0, 1\), 0 being off, got 1.0"),
    ("mixup", r"models.cnn_gru.augment must be a mapping with keys \["),
])
def test_a_bad_augment_value_is_named(block, message):
    with pytest.raises(UserError, match=message):
        Augmentation.from_params("params.yaml models.cnn_gru.augment", block)


def test_a_mask_wider_than_the_segment_is_named():
    Augmentation(time_masks=1, time_mask_width=80).check_fits("augment", (80, 80, 1))
    with pytest.raises(UserError, match=r"augment.freq_mask_width is 81, wider than the segments' 80 mel bins"):
        Augmentation(freq_masks=1, freq_mask_width=81).check_fits("augment", (80, 80, 1))


def test_the_levers_are_described_in_one_line():
    assert Augmentation().describe() == "none"
    assert Augmentation(time_masks=2, time_mask_width=8, mixup_alpha=0.2, label_smoothing=0.1).describe() == (
        "2 time masks ≤ 8, mixup α 0.2, label smoothing 0.1")


def test_the_levers_table_gives_each_seed_the_mean_the_spread_and_the_paired_difference_from_none():
    from gtzan.levers import CONFIGURATIONS, table

    songs = np.repeat(np.arange(40), 5)  # 40 songs of 5 segments
    rng = np.random.default_rng(0)
    baseline = [rng.random(200) < 0.6 for _ in range(3)]

    def run(correct, train_accuracy=0.9):
        return {"correct": correct, "metrics": {"train": {"accuracy": train_accuracy}}}

    runs = {configuration: [run(correct) for correct in baseline] for configuration in CONFIGURATIONS}
    runs["mixup"] = [run(np.ones(200, bool), 0.7) for _ in baseline]  # every segment right with mixup
    text = table("cnn_gru", runs, songs, seeds=[1, 2, 3], bootstrap_seed=42)
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines()[2:]}
    assert list(rows) == list(CONFIGURATIONS)
    accuracies = [correct.mean() for correct in baseline]
    spread = (max(accuracies) - min(accuracies)) * 100
    assert f" | {np.mean(accuracies):.1%} ({spread:.1f} points) | — | 90.0% |" in rows["none"]
    assert " | 100.0% (0.0 points) | " in rows["mixup"] and rows["mixup"].endswith(" | 70.0% |")
    assert rows["mixup"].count(" better") == 3 and f"+{(1 - accuracies[0]) * 100:.1f} [" in rows["mixup"]
    assert rows["label smoothing"].count("+0.0 [+0.0, +0.0] not distinguishable") == 3
    assert "| mixup α 0.2 |" in rows["mixup"] and "2 time masks ≤ 8, 2 mel masks ≤ 8, mixup α 0.2, label smoothing 0.1" in rows["all three"]


def test_a_mask_width_without_masks_is_off_and_one_mask_is_singular():
    width_only = Augmentation.from_params("augment", {"time_mask_width": 500})
    assert not width_only.enabled and width_only.describe() == "none"
    width_only.check_fits("augment", (80, 80, 1))  # no mask is drawn: its width cannot be too wide
    assert Augmentation(freq_masks=1, freq_mask_width=4).describe() == "1 mel mask ≤ 4"
