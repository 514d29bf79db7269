"""Layer blocks that several architectures share, and the project's own layer class, which trains
faster but is never saved: plain_keras() turns it back into the Keras layer it computes.
"""

import random
from collections.abc import Sequence

import keras
from keras import layers


def squeeze(inputs):
    """(time, mel, 1) -> (time, mel): the spec's tf.squeeze(x, axis=-1), as a layer."""
    time_steps, mel_bins, channels = inputs.shape[1:]
    if channels != 1:
        raise ValueError(f"This model reads single-channel spectrograms, got input shape {tuple(inputs.shape[1:])}")
    return layers.Reshape(target_shape=(time_steps, mel_bins), name="squeeze")(inputs)


def conv_branch(inputs, name: str, filters: int, *, kernel_size: int, pool_size: int, negative_slope: float):
    """Conv2D -> BatchNormalization -> LeakyReLU -> MaxPooling2D -> Flatten, one parallel branch."""
    x = layers.Conv2D(filters=filters, kernel_size=kernel_size, padding="same", name=f"{name}_conv")(inputs)
    x = layers.BatchNormalization(name=f"{name}_batch_norm")(x)
    x = layers.LeakyReLU(negative_slope=negative_slope, name=f"{name}_leaky_relu")(x)
    x = layers.MaxPooling2D(pool_size=pool_size, name=f"{name}_pool")(x)
    return layers.Flatten(name=f"{name}_flatten")(x)


def conv_blocks_to_sequence(x, conv_filters: Sequence[int], *, kernel_size: int):
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


def recurrent_stack(x, units: Sequence[int], *, cell: str, bidirectional: bool):
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


def classifier_head(x, num_classes: int, *, dense_units: int, dropout: float):
    x = layers.Dense(units=dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(rate=dropout, name="dropout")(x)
    return probabilities(x, num_classes)


def probabilities(x, num_classes: int):
    """The softmax output layer, in float32 under mixed precision too."""
    return layers.Dense(units=num_classes, activation="softmax", name="probabilities", dtype="float32")(x)


class SubsampledPointwiseConv2D(layers.Conv2D):
    """A strided 1x1 Conv2D computed as a 1x1 convolution of the subsampled input: the same
    layer, weights and outputs (up to rounding), for channels-last inputs without padding.

    Why: over an odd-sized input (ResNet-50's 5x5 -> 3x3 at conv5_block1 for 80x80 segments),
    oneDNN's bfloat16 weight gradient of a strided 1x1 convolution runs at about 18 GFLOP/s, a
    tenth of its speed elsewhere: those two layers took 0.32 s of a 2.2 s ResNet-50 training step
    on the CPU, which subsampling first makes 10-13 % faster. Over even-sized inputs the strided
    kernel is the faster, so use_for() says where to swap it in.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self._computes_as_subsampled(self):
            raise ValueError(
                f"SubsampledPointwiseConv2D needs a 1x1 kernel, valid padding and channels_last data, got kernel_size="
                f"{self.kernel_size}, padding={self.padding!r}, data_format={self.data_format!r}"
            )

    @staticmethod
    def _computes_as_subsampled(layer) -> bool:
        return tuple(layer.kernel_size) == (1, 1) and layer.padding == "valid" and layer.data_format == "channels_last"

    @classmethod
    def use_for(cls, layer) -> bool:
        """Whether the Conv2D `layer` of a functional model is one this class computes faster."""
        if type(layer) is not layers.Conv2D or not cls._computes_as_subsampled(layer) or tuple(layer.strides) == (1, 1):
            return False
        sizes = layer.input.shape[1:3]
        return None not in sizes and any(size % 2 == 1 for size in sizes)

    def convolution_op(self, inputs, kernel):
        rows, columns = self.strides
        return keras.ops.conv(inputs[:, ::rows, ::columns, :], kernel, strides=1, padding="valid", data_format="channels_last")


def plain_keras(model: keras.Model) -> keras.Model:
    """The model as Keras' own layers alone, for saving: every SubsampledPointwiseConv2D, nested models
    included, becomes the strided Conv2D it computes, with the same weights. The saved file then loads
    with keras.models.load_model in an interpreter that has never imported this project."""
    if not any(isinstance(layer, SubsampledPointwiseConv2D) for layer in _all_layers(model)):
        return model

    def plain_layer(layer):
        if isinstance(layer, SubsampledPointwiseConv2D):
            return layers.Conv2D.from_config(layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    random_state = random.getstate()  # clone_model seeds the new layers from Python's random
    plain = keras.models.clone_model(model, clone_function=plain_layer, recursive=True)
    random.setstate(random_state)
    plain.set_weights(model.get_weights())
    if model.compiled:  # the same optimizer, its state included, and the rest of compile()'s arguments
        plain.compile(**{**model.get_compile_config(), "optimizer": model.optimizer})
    return plain


def _all_layers(model: keras.Model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)
