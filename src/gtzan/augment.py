"""The levers against overfitting, applied to training batches in the input pipeline (gtzan.train):

    time masks       SpecAugment: `time_masks` bands of 0 to `time_mask_width` frames, each set to 0
    frequency masks  the same across mel bins: `freq_masks` bands of 0 to `freq_mask_width` bins
    mixup            each segment blended with another of its batch, inputs and one-hot labels by the same
                     weight λ ~ Beta(mixup_alpha, mixup_alpha), folded to λ >= 0.5
    label smoothing  targets (1 - ε) on the genre and ε / classes everywhere, ε = label_smoothing

0 turns a lever off, and all are off by default. The masks fill with 0, the mean of the standardized data
(gtzan.prepared). Since λ >= 0.5, a mixed segment's largest target stays its own genre, so training accuracy
is still measured against each segment's own label.

Every draw is stateless, from (seed, epoch, batch number): a resumed run augments its batches exactly as an
uninterrupted one does, which a layer's seed generator (keras.layers.MixUp's, for one) would not.
Validation, evaluation, the ensemble and predict never see augmented data.
"""

from dataclasses import dataclass, fields

import tensorflow as tf

from gtzan.errors import UserError, check_integer, check_keys

LEVERS = ("time_masks", "freq_masks", "mixup")  # one stream of random numbers each


@dataclass(frozen=True)
class Augmentation:
    """One `models.<name>.augment` block of params.yaml."""

    time_masks: int = 0
    time_mask_width: int = 0  # frames
    freq_masks: int = 0
    freq_mask_width: int = 0  # mel bins
    mixup_alpha: float = 0.0
    label_smoothing: float = 0.0

    @classmethod
    def from_params(cls, where: str, block) -> "Augmentation":
        """Checked params (`where` names the block in messages); None or {} is every lever off."""
        block = {} if block is None else block
        valid = [item.name for item in fields(cls)]
        check_keys(where, block, valid)
        for key in ("time_masks", "time_mask_width", "freq_masks", "freq_mask_width"):
            check_integer(f"{where}.{key}", block.get(key, 0), minimum=0)
        for count, width in (("time_masks", "time_mask_width"), ("freq_masks", "freq_mask_width")):
            if block.get(count, 0) and not block.get(width, 0):
                raise UserError(f"{where}.{width} must be at least 1 when {count} is {block[count]}")
        alpha = block.get("mixup_alpha", 0.0)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 10:
            raise UserError(f"{where}.mixup_alpha must be a number from 0 (off) to 10, got {alpha!r}")
        smoothing = block.get("label_smoothing", 0.0)
        if isinstance(smoothing, bool) or not isinstance(smoothing, (int, float)) or not 0 <= smoothing < 1:
            raise UserError(f"{where}.label_smoothing must be a number in [0, 1), 0 being off, got {smoothing!r}")
        return cls(**block)

    @property
    def enabled(self) -> bool:
        """Whether any lever changes the training batches (a mask width without masks does not)."""
        return bool(self.time_masks or self.freq_masks or self.soft_labels)

    @property
    def soft_labels(self) -> bool:
        """Whether the training targets are class probabilities rather than class ids."""
        return self.mixup_alpha > 0 or self.label_smoothing > 0

    def check_fits(self, where: str, segment_shape: tuple[int, ...]) -> None:
        """UserError if a mask could be wider than the segment (frames, mel bins, channels)."""
        for count, key, size, unit in (("time_masks", "time_mask_width", segment_shape[0], "frames"),
                                       ("freq_masks", "freq_mask_width", segment_shape[1], "mel bins")):
            if getattr(self, count) and getattr(self, key) > size:
                raise UserError(f"{where}.{key} is {getattr(self, key)}, wider than the segments' {size} {unit}")

    def describe(self) -> str:
        """One line for the report and the metrics: the levers on, or "none"."""
        levers = [
            self.time_masks and f"{self.time_masks} time mask{'s' * (self.time_masks > 1)} ≤ {self.time_mask_width}",
            self.freq_masks and f"{self.freq_masks} mel mask{'s' * (self.freq_masks > 1)} ≤ {self.freq_mask_width}",
            self.mixup_alpha and f"mixup α {self.mixup_alpha:g}",
            self.label_smoothing and f"label smoothing {self.label_smoothing:g}",
        ]
        return ", ".join(lever for lever in levers if lever) or "none"


def augment_batch(spectrograms: tf.Tensor, labels: tf.Tensor, *, augmentation: Augmentation, num_classes: int,
                  key: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """One training batch (batch, frames, mel bins, 1) and its class ids (batch,) -> the augmented batch and its
    targets: class ids, or (batch, num_classes) probabilities where augmentation.soft_labels. key: a stateless
    seed, shape (2,), the batch's own; each lever draws from its own seed derived from it."""
    keys = dict(zip(LEVERS, tf.unstack(tf.random.experimental.stateless_split(key, len(LEVERS)))))
    if augmentation.time_masks:
        spectrograms = mask_bands(spectrograms, axis=1, count=augmentation.time_masks,
                                  widest=augmentation.time_mask_width, key=keys["time_masks"])
    if augmentation.freq_masks:
        spectrograms = mask_bands(spectrograms, axis=2, count=augmentation.freq_masks,
                                  widest=augmentation.freq_mask_width, key=keys["freq_masks"])
    if not augmentation.soft_labels:
        return spectrograms, labels
    if num_classes < 2:
        raise ValueError(f"soft labels need the number of classes, got num_classes={num_classes}")
    targets = tf.one_hot(labels, num_classes, dtype=tf.float32)
    if augmentation.mixup_alpha:
        spectrograms, targets = mixup(spectrograms, targets, alpha=augmentation.mixup_alpha, key=keys["mixup"])
    if augmentation.label_smoothing:
        targets = targets * (1 - augmentation.label_smoothing) + augmentation.label_smoothing / num_classes
    return spectrograms, targets


def mask_bands(spectrograms: tf.Tensor, *, axis: int, count: int, widest: int, key: tf.Tensor) -> tf.Tensor:
    """Set `count` bands of each segment along axis to 0: widths drawn uniformly from 0 to widest, starts
    uniformly where the band fits. Bands may overlap."""
    width_key, start_key = tf.unstack(tf.random.experimental.stateless_split(key, 2))
    batch, length = tf.shape(spectrograms)[0], spectrograms.shape[axis]
    widths = tf.random.stateless_uniform([batch, count], width_key, minval=0, maxval=widest + 1, dtype=tf.int32)
    room = tf.cast(length - widths + 1, tf.float32)
    starts = tf.cast(tf.random.stateless_uniform([batch, count], start_key) * room, tf.int32)
    positions = tf.range(length)[tf.newaxis, tf.newaxis, :]
    inside = (positions >= starts[..., tf.newaxis]) & (positions < (starts + widths)[..., tf.newaxis])
    masked = tf.reduce_any(inside, axis=1)  # (batch, length)
    shape = [-1, 1, 1, 1]
    shape[axis] = length
    return tf.where(tf.reshape(masked, shape), tf.zeros_like(spectrograms), spectrograms)


def mixup(spectrograms: tf.Tensor, targets: tf.Tensor, *, alpha: float, key: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Blend each segment and its targets with those of a partner from the same batch (a random permutation),
    by the same weight λ ~ Beta(alpha, alpha), folded to max(λ, 1 - λ)."""
    first_key, second_key, partner_key = tf.unstack(tf.random.experimental.stateless_split(key, 3))
    batch = tf.shape(spectrograms)[0]
    first = tf.random.stateless_gamma([batch], first_key, alpha=alpha)
    second = tf.random.stateless_gamma([batch], second_key, alpha=alpha)
    weight = tf.math.divide_no_nan(first, first + second)  # Beta(alpha, alpha); both 0 (tiny alpha) gives 0, folded to 1
    weight = tf.maximum(weight, 1 - weight)
    partners = tf.argsort(tf.random.stateless_uniform([batch], partner_key))
    input_weight = tf.cast(weight, spectrograms.dtype)[:, tf.newaxis, tf.newaxis, tf.newaxis]
    mixed = input_weight * spectrograms + (1 - input_weight) * tf.gather(spectrograms, partners)
    mixed_targets = weight[:, tf.newaxis] * targets + (1 - weight[:, tf.newaxis]) * tf.gather(targets, partners)
    return mixed, mixed_targets
