"""P1.2 CNN-RNN, exactly as specified."""

import keras
from keras import layers

from gtzan.architectures.blocks import classifier_head, squeeze


def build_cnn_rnn(input_shape, num_classes: int, *, dropout: float = 0.2) -> keras.Model:
    """P1.2 CNN-RNN, exactly as specified: 100,654 trainable parameters for 8 genres.

    The spec's `tf.squeeze(x, -1)` happens inside the model, so that every architecture takes the
    same input: 80 time steps with the 80 mel bins as channels of two "same"-padded ReLU Conv1D
    (8 filters of 4, then 6 filters of 3), each halved by max pooling; then LSTM(128) returning
    sequences, LSTM(32) returning its last state, Dense(200, ReLU), Dropout(`dropout`), softmax.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    x = squeeze(inputs)  # (80, 80): time steps x mel bins
    x = layers.Conv1D(filters=8, kernel_size=4, padding="same", activation="relu", name="conv1")(x)
    x = layers.MaxPooling1D(pool_size=2, name="pool1")(x)  # (40, 8)
    x = layers.Conv1D(filters=6, kernel_size=3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling1D(pool_size=2, name="pool2")(x)  # (20, 6)
    x = layers.LSTM(units=128, return_sequences=True, name="lstm1")(x)  # (20, 128)
    x = layers.LSTM(units=32, name="lstm2")(x)  # (32,)
    outputs = classifier_head(x, num_classes, dense_units=200, dropout=dropout)
    return keras.Model(inputs=inputs, outputs=outputs, name="cnn_rnn")
