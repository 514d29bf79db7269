"""P2 standalone LSTM."""

from collections.abc import Sequence

import keras

from gtzan.architectures.blocks import classifier_head, recurrent_stack, squeeze


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
    x = squeeze(inputs)  # (80, 80): time steps x mel bins
    x = recurrent_stack(x, recurrent_units, cell="lstm", bidirectional=False)
    outputs = classifier_head(x, num_classes, dense_units=dense_units, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="lstm")
