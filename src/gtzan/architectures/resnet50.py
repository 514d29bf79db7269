"""P2 ResNet-50, trained from scratch."""

import keras
from keras import layers


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
    outputs = layers.Dense(units=num_classes, activation="softmax", name="probabilities", dtype="float32")(features)
    return keras.Model(inputs=inputs, outputs=outputs, name="resnet50")
