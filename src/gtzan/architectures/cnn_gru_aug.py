"""P2 data-augmented CNN + GRU."""

from collections.abc import Sequence

import keras
from keras import layers

from gtzan.architectures.blocks import classifier_head, conv_blocks_to_sequence, recurrent_stack


def build_cnn_gru_aug(
    input_shape,
    num_classes: int,
    *,
    translation_height_factor: float = 0.1,
    translation_width_factor: float = 0.1,
    zoom_factor: float = 0.1,
    noise_stddev: float = 0.01,
    contrast_factor: float = 0.2,
    seed: int | None = None,
    conv_filters: Sequence[int] = (16, 32, 64),
    kernel_size: int = 3,
    recurrent_units: Sequence[int] = (128, 64),
    dense_units: int = 128,
    dropout: float = 0.3,
) -> keras.Model:
    """P2 data-augmented CNN + GRU: `build_cnn_gru` behind four augmentation layers.

    The augmentation is active only in training: fit augments, predict and evaluate do not. A bare
    model(x) does augment (keras' image augmentation layers default to training=True), so call
    model(x, training=False) outside fit. The layers, in the spec's order:
      RandomTranslation(0.1, 0.1): shifts of up to 10% in time (height) and frequency (width);
      RandomZoom(0.1): zoom in or out by up to 10%, aspect ratio kept;
      GaussianNoise(stddev=0.01);
      RandomContrast: a contrast factor drawn from [1 - `contrast_factor`, 1 + `contrast_factor`],
        the spec's [0.8, 1.2] by default. keras reads factor=(lower, upper) as
        [1 - lower, 1 + upper], so (0.8, 1.2) would mean [0.2, 2.2], and keras 3 reads a single
        float f as (0, f), i.e. [1, 1 + f]; hence factor=(f, f). keras also clips the output to
        `value_range`, (0, 255) by default, which would zero every negative value of a
        standardized spectrogram; the range here is unbounded, so nothing is clipped.
    `seed` seeds the four layers (seed, seed + 1, seed + 2, seed + 3); None draws their seeds
    from keras' global seed (keras.utils.set_random_seed), which is reproducible too.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    x = layers.RandomTranslation(
        height_factor=translation_height_factor,
        width_factor=translation_width_factor,
        seed=_offset(seed, 0),
        name="random_translation",
    )(inputs)
    x = layers.RandomZoom(height_factor=zoom_factor, seed=_offset(seed, 1), name="random_zoom")(x)
    x = layers.GaussianNoise(stddev=noise_stddev, seed=_offset(seed, 2), name="gaussian_noise")(x)
    x = layers.RandomContrast(
        factor=(contrast_factor, contrast_factor),
        value_range=(float("-inf"), float("inf")),
        seed=_offset(seed, 3),
        name="random_contrast",
    )(x)
    x = conv_blocks_to_sequence(x, conv_filters, kernel_size=kernel_size)  # (10, 640)
    x = recurrent_stack(x, recurrent_units, cell="gru", bidirectional=False)
    outputs = classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="cnn_gru_aug")


def _offset(seed: int | None, offset: int) -> int | None:
    return None if seed is None else seed + offset
