"""The architectures under study: one uncompiled functional keras.Model builder per architecture.

Every builder takes one standardized log-mel segment of shape (time, mel, channel), by default
(80, 80, 1), and returns softmax probabilities over `num_classes` genres. Its hyperparameters are
keyword arguments with defaults; params.yaml overrides them through `build_model`. Compilation
and training live in gtzan.train.
"""

import inspect
import numbers
from collections.abc import Callable, Sequence

import keras
from keras import layers

DEFAULT_INPUT_SHAPE = (80, 80, 1)


def build_parallel_cnn(input_shape, num_classes: int, *, negative_slope: float = 0.3) -> keras.Model:
    """P1.1 shallow parallel CNN, exactly as specified: 61,071 trainable parameters for 8 genres.

    Branch 1: 3 filters 8x8 -> max pooling 4 -> flatten   # (20, 20, 3) -> 1,200
    Branch 2: 4 filters 4x4 -> max pooling 2 -> flatten   # (40, 40, 4) -> 6,400
    Both convolutions are "same"-padded and followed by a leaky ReLU of slope `negative_slope`;
    the 7,600 concatenated features feed the softmax classifier directly.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    branch1 = layers.Conv2D(filters=3, kernel_size=8, padding="same", name="branch1_conv")(inputs)
    branch1 = layers.LeakyReLU(negative_slope=negative_slope, name="branch1_leaky_relu")(branch1)
    branch1 = layers.MaxPooling2D(pool_size=4, name="branch1_pool")(branch1)  # (20, 20, 3)
    branch1 = layers.Flatten(name="branch1_flatten")(branch1)
    branch2 = layers.Conv2D(filters=4, kernel_size=4, padding="same", name="branch2_conv")(inputs)
    branch2 = layers.LeakyReLU(negative_slope=negative_slope, name="branch2_leaky_relu")(branch2)
    branch2 = layers.MaxPooling2D(pool_size=2, name="branch2_pool")(branch2)  # (40, 40, 4)
    branch2 = layers.Flatten(name="branch2_flatten")(branch2)
    features = layers.Concatenate(name="concatenate")([branch1, branch2])  # (7600,)
    outputs = layers.Dense(units=num_classes, activation="softmax", name="probabilities")(features)
    return keras.Model(inputs=inputs, outputs=outputs, name="parallel_cnn")


def build_cnn_rnn(input_shape, num_classes: int, *, dropout: float = 0.2) -> keras.Model:
    """P1.2 CNN-RNN, exactly as specified: 100,654 trainable parameters for 8 genres.

    The spec's `tf.squeeze(x, -1)` happens inside the model, so that every architecture takes the
    same input: 80 time steps with the 80 mel bins as channels of two "same"-padded ReLU Conv1D
    (8 filters of 4, then 6 filters of 3), each halved by max pooling; then LSTM(128) returning
    sequences, LSTM(32) returning its last state, Dense(200, ReLU), Dropout(`dropout`), softmax.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    x = _squeeze(inputs)  # (80, 80): time steps x mel bins
    x = layers.Conv1D(filters=8, kernel_size=4, padding="same", activation="relu", name="conv1")(x)
    x = layers.MaxPooling1D(pool_size=2, name="pool1")(x)  # (40, 8)
    x = layers.Conv1D(filters=6, kernel_size=3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling1D(pool_size=2, name="pool2")(x)  # (20, 6)
    x = layers.LSTM(units=128, return_sequences=True, name="lstm1")(x)  # (20, 128)
    x = layers.LSTM(units=32, name="lstm2")(x)  # (32,)
    x = layers.Dense(units=200, activation="relu", name="dense")(x)
    x = layers.Dropout(rate=dropout, name="dropout")(x)
    outputs = layers.Dense(units=num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="cnn_rnn")


def build_wide_parallel_cnn(
    input_shape,
    num_classes: int,
    *,
    filters_large: int = 16,
    filters_medium: int = 8,
    filters_small: int = 16,
    pool_small: int = 4,
    negative_slope: float = 0.3,
    dense_units: int = 256,
    dropout: float = 0.3,
) -> keras.Model:
    """P2 wider, deeper parallel CNN: three branches, batch normalisation, Dense 256, Dropout 0.3.

    Each branch is Conv2D ("same") -> BatchNormalization -> LeakyReLU(`negative_slope`, as in
    P1.1) -> MaxPooling2D -> Flatten:
      broad:  `filters_large` 8x8 filters, 4x4 pooling       # (20, 20, 16) -> 6,400
      medium: `filters_medium` 4x4 filters, 2x2 pooling      # (40, 40, 8) -> 12,800
      small:  `filters_small` 2x2 filters, `pool_small` pooling # (20, 20, 16) -> 6,400
    The spec leaves the small branch's pooling open; 4x4 keeps its flattened size equal to the
    broad branch's while max pooling still reports where fine detail occurs. The defaults
    (16/8/16 filters, 4-5x P1.1's width) give 25,600 features and about 6.6M parameters, nearly
    all in the Dense(`dense_units`) layer, which the Dropout(`dropout`) after it regularises.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    branches = [
        _conv_branch(inputs, "broad", filters_large, kernel_size=8, pool_size=4, negative_slope=negative_slope),
        _conv_branch(inputs, "medium", filters_medium, kernel_size=4, pool_size=2, negative_slope=negative_slope),
        _conv_branch(inputs, "small", filters_small, kernel_size=2, pool_size=pool_small, negative_slope=negative_slope),
    ]
    x = layers.Concatenate(name="concatenate")(branches)
    x = layers.Dense(units=dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(rate=dropout, name="dropout")(x)
    outputs = layers.Dense(units=num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="wide_parallel_cnn")


def build_resnet50(input_shape, num_classes: int) -> keras.Model:
    """P2 ResNet-50 trained from scratch (weights=None) on single-channel spectrograms.

    keras.applications.ResNet50 without its ImageNet top, global average pooling, and a softmax
    classifier: about 23.5M parameters. Reproduced as reported, including its poor fit (~25%
    validation accuracy after 50 epochs in the spec); nothing here tries to improve it.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    backbone = keras.applications.ResNet50(
        include_top=False,
        weights=None,
        input_shape=tuple(input_shape),
        pooling="avg",
        name="resnet50_backbone",
    )
    features = backbone(inputs)  # (2048,)
    outputs = layers.Dense(units=num_classes, activation="softmax", name="probabilities")(features)
    return keras.Model(inputs=inputs, outputs=outputs, name="resnet50")


def build_lstm(
    input_shape,
    num_classes: int,
    *,
    recurrent_units: Sequence[int] = (128, 64),
    dense_units: int = 64,
    dropout: float = 0.3,
) -> keras.Model:
    """P2 standalone LSTM over the 80 time steps of 80 mel bins, no convolution.

    One LSTM layer per entry of `recurrent_units`, all but the last returning sequences, then
    Dense(`dense_units`, ReLU), Dropout(`dropout`), softmax. The spec reports a 50-60% plateau.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    x = _squeeze(inputs)  # (80, 80): time steps x mel bins
    x = _recurrent_stack(x, recurrent_units, cell="lstm", bidirectional=False)
    outputs = _classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="lstm")


def build_bilstm(
    input_shape,
    num_classes: int,
    *,
    recurrent_units: Sequence[int] = (64, 32),
    dense_units: int = 64,
    dropout: float = 0.3,
) -> keras.Model:
    """P2 standalone bidirectional LSTM over the 80 time steps of 80 mel bins, no convolution.

    As `build_lstm`, with each layer Bidirectional; `recurrent_units` counts units per direction,
    so the defaults (64, 32) give the same output widths (128, 64) as the LSTM's (128, 64).
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    x = _squeeze(inputs)  # (80, 80): time steps x mel bins
    x = _recurrent_stack(x, recurrent_units, cell="lstm", bidirectional=True)
    outputs = _classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="bilstm")


def build_cnn_bilstm(
    input_shape,
    num_classes: int,
    *,
    conv_filters: Sequence[int] = (16, 32, 64),
    kernel_size: int = 3,
    recurrent_units: Sequence[int] = (64, 64),
    dense_units: int = 128,
    dropout: float = 0.3,
) -> keras.Model:
    """P2 CNN + BiLSTM: three conv blocks, a (10, 640) sequence, two BiLSTMs, Dense, Dropout.

    Each conv block is Conv2D(`kernel_size`, "same", ReLU) -> MaxPooling2D(2) ->
    BatchNormalization, with `conv_filters` (16, 32, 64): 80x80 -> 10x10x64, reshaped to 10 time
    steps of 10 mel x 64 = 640 features. Two Bidirectional LSTM layers of `recurrent_units` per
    direction (the first returns sequences), Dense(`dense_units`, ReLU), Dropout(`dropout`),
    softmax. About 0.5M parameters.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    x = _conv_blocks_to_sequence(inputs, conv_filters, kernel_size=kernel_size)  # (10, 640)
    x = _recurrent_stack(x, recurrent_units, cell="lstm", bidirectional=True)
    outputs = _classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="cnn_bilstm")


def build_cnn_gru(
    input_shape,
    num_classes: int,
    *,
    conv_filters: Sequence[int] = (16, 32, 64),
    kernel_size: int = 3,
    recurrent_units: Sequence[int] = (128, 64),
    dense_units: int = 128,
    dropout: float = 0.3,
) -> keras.Model:
    """P2 CNN + GRU, the spec's best model (86-88.5% validation accuracy): cnn_bilstm's layout
    with two GRU layers of `recurrent_units` (128, 64) in place of the two BiLSTMs.

    About 0.37M parameters; the 10-step sequence keeps the recurrent part cheap.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    x = _conv_blocks_to_sequence(inputs, conv_filters, kernel_size=kernel_size)  # (10, 640)
    x = _recurrent_stack(x, recurrent_units, cell="gru", bidirectional=False)
    outputs = _classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="cnn_gru")


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
    x = _conv_blocks_to_sequence(x, conv_filters, kernel_size=kernel_size)  # (10, 640)
    x = _recurrent_stack(x, recurrent_units, cell="gru", bidirectional=False)
    outputs = _classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="cnn_gru_aug")


MODEL_BUILDERS: dict[str, Callable[..., keras.Model]] = {
    "parallel_cnn": build_parallel_cnn,
    "cnn_rnn": build_cnn_rnn,
    "wide_parallel_cnn": build_wide_parallel_cnn,
    "resnet50": build_resnet50,
    "lstm": build_lstm,
    "bilstm": build_bilstm,
    "cnn_bilstm": build_cnn_bilstm,
    "cnn_gru_aug": build_cnn_gru_aug,
    "cnn_gru": build_cnn_gru,
}


def build_model(name: str, input_shape, num_classes: int, hyperparameters: dict | None = None) -> keras.Model:
    """Build the registered architecture `name` with `hyperparameters` overriding its defaults."""
    if name not in MODEL_BUILDERS:
        raise ValueError(f"Unknown model '{name}'; valid names are {sorted(MODEL_BUILDERS)}")
    builder = MODEL_BUILDERS[name]
    hyperparameters = {} if hyperparameters is None else hyperparameters
    if not isinstance(hyperparameters, dict):
        raise ValueError(f"Hyperparameters of '{name}' must be a mapping, got {hyperparameters!r}")
    accepted = hyperparameter_names(name)
    unknown = sorted(set(hyperparameters) - set(accepted))
    if unknown:
        raise ValueError(f"Unknown hyperparameters {unknown} for model '{name}'; accepted hyperparameters are {accepted}")
    input_shape = _checked_input_shape(input_shape)
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    return builder(input_shape, num_classes, **hyperparameters)


def hyperparameter_names(name: str) -> list[str]:
    """The keyword arguments that params.yaml may set for the registered architecture `name`."""
    parameters = inspect.signature(MODEL_BUILDERS[name]).parameters
    return [key for key, parameter in parameters.items() if parameter.kind is inspect.Parameter.KEYWORD_ONLY]


def _checked_input_shape(input_shape) -> tuple[int, int, int]:
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if shape is None or len(shape) != 3 or not all(
        isinstance(size, numbers.Integral) and not isinstance(size, bool) and size > 0 for size in shape
    ):
        raise ValueError(f"input_shape must be three positive integers (time, mel, channels), got {input_shape!r}")
    return tuple(int(size) for size in shape)


def _squeeze(inputs):
    """(time, mel, 1) -> (time, mel): the spec's tf.squeeze(x, axis=-1), as a layer."""
    time_steps, mel_bins, channels = inputs.shape[1:]
    if channels != 1:
        raise ValueError(f"This model reads single-channel spectrograms, got input shape {tuple(inputs.shape[1:])}")
    return layers.Reshape(target_shape=(time_steps, mel_bins), name="squeeze")(inputs)


def _conv_branch(inputs, name: str, filters: int, *, kernel_size: int, pool_size: int, negative_slope: float):
    """Conv2D -> BatchNormalization -> LeakyReLU -> MaxPooling2D -> Flatten, one parallel branch."""
    x = layers.Conv2D(filters=filters, kernel_size=kernel_size, padding="same", name=f"{name}_conv")(inputs)
    x = layers.BatchNormalization(name=f"{name}_batch_norm")(x)
    x = layers.LeakyReLU(negative_slope=negative_slope, name=f"{name}_leaky_relu")(x)
    x = layers.MaxPooling2D(pool_size=pool_size, name=f"{name}_pool")(x)
    return layers.Flatten(name=f"{name}_flatten")(x)


def _conv_blocks_to_sequence(x, conv_filters: Sequence[int], *, kernel_size: int):
    """Conv2D -> MaxPooling2D(2) -> BatchNormalization per entry of conv_filters, then the
    feature map as a sequence over time: (80, 80, 1) -> (10, 10, 64) -> (10, 640)."""
    if len(conv_filters) == 0:
        raise ValueError("conv_filters must list at least one filter count")
    for block, filters in enumerate(conv_filters, start=1):
        x = layers.Conv2D(filters=filters, kernel_size=kernel_size, padding="same", activation="relu", name=f"conv{block}")(x)
        x = layers.MaxPooling2D(pool_size=2, name=f"pool{block}")(x)
        x = layers.BatchNormalization(name=f"batch_norm{block}")(x)
    time_steps, mel_bins, channels = x.shape[1:]
    return layers.Reshape(target_shape=(time_steps, mel_bins * channels), name="to_sequence")(x)


def _recurrent_stack(x, units: Sequence[int], *, cell: str, bidirectional: bool):
    """One recurrent layer per entry of units; all but the last return their full sequence."""
    if len(units) == 0:
        raise ValueError("recurrent_units must list at least one layer's units")
    recurrent_layer = {"lstm": layers.LSTM, "gru": layers.GRU}[cell]
    for index, layer_units in enumerate(units, start=1):
        return_sequences = index < len(units)
        if bidirectional:
            recurrent = recurrent_layer(units=layer_units, return_sequences=return_sequences, name=f"{cell}{index}")
            x = layers.Bidirectional(recurrent, name=f"bi{cell}{index}")(x)
        else:
            x = recurrent_layer(units=layer_units, return_sequences=return_sequences, name=f"{cell}{index}")(x)
    return x


def _classifier_head(x, num_classes: int, *, dense_units: int, dropout: float):
    x = layers.Dense(units=dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(rate=dropout, name="dropout")(x)
    return layers.Dense(units=num_classes, activation="softmax", name="probabilities")(x)


def _offset(seed: int | None, offset: int) -> int | None:
    return None if seed is None else seed + offset
