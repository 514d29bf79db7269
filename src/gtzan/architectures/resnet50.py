"""P2 ResNet-50, trained from scratch."""

import random

import keras

from gtzan.architectures.blocks import SubsampledPointwiseConv2D, probabilities


def build_resnet50(input_shape, num_classes: int) -> keras.Model:
    """P2 ResNet-50 trained from scratch (weights=None) on single-channel spectrograms.

    keras.applications.ResNet50 without its ImageNet top, global average pooling, and a softmax
    classifier: about 23.5M parameters. Reproduced as reported, including its poor fit (~25%
    validation accuracy after 50 epochs in the spec); nothing here tries to improve it.
    Its strided 1x1 convolutions over odd-sized inputs are SubsampledPointwiseConv2D: the same
    layers, computed faster on the CPU, and saved as the plain Conv2D they are (blocks.plain_keras).
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    backbone = keras.applications.ResNet50(
        include_top=False,
        weights=None,
        input_shape=tuple(input_shape),
        pooling="avg",
        name="resnet50_backbone",
    )
    # The initial weights of a plain ResNet50 from the seed, and the head's too: the clone's new
    # layers draw their seeds from Python's random, which is restored.
    random_state = random.getstate()
    faster = keras.models.clone_model(backbone, clone_function=_faster_layer)
    random.setstate(random_state)
    faster.set_weights(backbone.get_weights())
    features = faster(inputs)  # (2048,)
    outputs = probabilities(features, num_classes)
    return keras.Model(inputs=inputs, outputs=outputs, name="resnet50")


def _faster_layer(layer):
    """The layer as clone_model copies it, but a SubsampledPointwiseConv2D where that is faster."""
    if SubsampledPointwiseConv2D.use_for(layer):
        return SubsampledPointwiseConv2D.from_config(layer.get_config())
    return layer.__class__.from_config(layer.get_config())
