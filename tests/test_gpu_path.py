"""The GPU path as far as a CPU can check it: op determinism refused before training where a GPU has no
deterministic kernel, loss scaling under mixed_float16, and `make gpu-check`'s script."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
import yaml
from conftest import read_committed_yaml
from keras import layers
from test_train import VALID_BLOCK, run_tiny_training

import gtzan.train
from gtzan.architectures import architecture_names, build_model
from gtzan.augment import Augmentation
from gtzan.cpu import Cpu
from gtzan.devices import check_deterministic_on_gpu, distribution_strategy, seed_everything
from gtzan.errors import UserError
from gtzan.gpu_check import identical, main
from gtzan.train import loss_and_accuracy

INPUT_SHAPE = (80, 80, 1)


def contrast_model(input_shape, num_classes: int) -> keras.Model:
    """A model whose training step runs AdjustContrastv2, which has no deterministic GPU kernel."""
    inputs = keras.Input(shape=input_shape)
    x = layers.Lambda(lambda images: tf.image.adjust_contrast(images, 0.5), name="contrast")(inputs)
    outputs = layers.Dense(num_classes, activation="softmax")(layers.Flatten()(x))
    return keras.Model(inputs, outputs, name="contrast")


def compiled(model: keras.Model) -> keras.Model:
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.slow
def test_every_architectures_training_step_has_deterministic_gpu_kernels():
    seed_everything(0, deterministic=True)
    for name in architecture_names():
        check_deterministic_on_gpu(name, compiled(build_model(name, INPUT_SHAPE, 8)), distribution_strategy(), INPUT_SHAPE)


def test_the_soft_targets_loss_of_mixup_and_label_smoothing_has_deterministic_gpu_kernels():
    seed_everything(0, deterministic=True)
    loss, accuracy = loss_and_accuracy(Augmentation(mixup_alpha=0.2))
    model = build_model("cnn_gru", INPUT_SHAPE, 8)
    model.compile(optimizer="adam", loss=loss, metrics=[accuracy])
    check_deterministic_on_gpu("cnn_gru", model, distribution_strategy(), INPUT_SHAPE, soft_labels=True)


def test_an_op_without_a_deterministic_gpu_kernel_is_named_with_the_param_to_change():
    seed_everything(0, deterministic=True)
    with pytest.raises(UserError, match=r"^train.deterministic is true, but contrast's training step runs AdjustContrastv2, "
                                        r"which has no deterministic GPU kernel .*set train.deterministic: false"):
        check_deterministic_on_gpu("contrast", compiled(contrast_model(INPUT_SHAPE, 8)), distribution_strategy(), INPUT_SHAPE)


def test_on_a_gpu_a_deterministic_run_stops_before_training_and_leaves_no_model(tmp_path, monkeypatch):
    list_devices = tf.config.list_logical_devices
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else list_devices(kind))
    monkeypatch.setattr(gtzan.train, "build_model", lambda name, input_shape, num_classes, hyperparameters: contrast_model(input_shape, num_classes))
    with pytest.raises(UserError, match=r"runs AdjustContrastv2"):
        run_tiny_training(tmp_path, "refused", precision="float32")
    assert not (tmp_path / "refused" / "model.keras").exists() and not (tmp_path / "refused" / "dvclive").exists()


@pytest.mark.skipif(not tf.config.list_physical_devices("GPU") and not Cpu.this().float16,
                    reason="ONEDNN_MAX_CPU_ISA leaves oneDNN no float16 kernels on this CPU (train.precision refuses mixed_float16)")
def test_mixed_float16_trains_with_keras_loss_scaling(tmp_path):
    run_tiny_training(tmp_path, "float16", block={**VALID_BLOCK, "epochs": 1}, precision="mixed_float16")
    model = keras.models.load_model(tmp_path / "float16" / "model.keras")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.get_layer("probabilities").dtype_policy.compute_dtype == "float32"


@pytest.mark.slow
@pytest.mark.scenario
def test_the_gpu_check_trains_twice_on_this_device_and_reports_identical_metrics(tmp_path, capsys):
    params = read_committed_yaml("params.yaml")
    params["frontend"]["segments_per_clip"] = 3
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    assert main(["--models", "parallel_cnn", "--epochs", "1", "--songs-per-genre", "5", "--params", str(tmp_path / "params.yaml")]) == 0
    output = capsys.readouterr().out
    assert re.search(r"Device: (CPU|\d+ x GPU) .*; precision: (float32|mixed_bfloat16|mixed_float16); 1 epoch", output)
    assert re.search(r"\| parallel_cnn \| \d+\.\d\d \| \d+\.\d\d \| yes \|", output)


def test_runs_differing_in_any_metric_but_timings_are_not_identical():
    run = {"metrics": {"val_loss_final": 1.5, "val_accuracy_final": 0.5, "seconds_per_epoch": 2.0}}
    slower = {"metrics": {**run["metrics"], "seconds_per_epoch": 3.0}}
    other_loss = {"metrics": {**run["metrics"], "val_loss_final": 1.4999}}
    assert identical(run, slower) and not identical(run, other_loss)
