"""P2 standalone bidirectional LSTM."""

from collections.abc import Sequence

import keras

from gtzan.architectures.blocks import classifier_head, recurrent_stack, squeeze


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
    x = squeeze(inputs)  # (80, 80): time steps x mel bins
    x = recurrent_stack(x, recurrent_units, cell="lstm", bidirectional=True)
    outputs = classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="bilstm")
