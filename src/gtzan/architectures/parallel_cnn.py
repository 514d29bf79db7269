"""P1.1 shallow parallel CNN, exactly as specified."""

import keras
from keras import layers

from gtzan.architectures.blocks import probabilities


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
    outputs = probabilities(features, num_classes)
    return keras.Model(inputs=inputs, outputs=outputs, name="parallel_cnn")
