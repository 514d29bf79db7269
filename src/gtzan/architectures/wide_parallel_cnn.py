"""P2 wider, deeper parallel CNN: three branches, batch normalisation, Dense, Dropout."""

import keras
from keras import layers

from gtzan.architectures.blocks import classifier_head, conv_branch


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
        conv_branch(inputs, "broad", filters_large, kernel_size=8, pool_size=4, negative_slope=negative_slope),
        conv_branch(inputs, "medium", filters_medium, kernel_size=4, pool_size=2, negative_slope=negative_slope),
        conv_branch(inputs, "small", filters_small, kernel_size=2, pool_size=pool_small, negative_slope=negative_slope),
    ]
    x = layers.Concatenate(name="concatenate")(branches)
    outputs = classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="wide_parallel_cnn")
