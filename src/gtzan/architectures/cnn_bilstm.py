"""P2 CNN + BiLSTM."""

from collections.abc import Sequence

import keras

from gtzan.architectures.blocks import classifier_head, conv_blocks_to_sequence, recurrent_stack


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
    x = conv_blocks_to_sequence(inputs, conv_filters, kernel_size=kernel_size)  # (10, 640)
    x = recurrent_stack(x, recurrent_units, cell="lstm", bidirectional=True)
    outputs = classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="cnn_bilstm")
