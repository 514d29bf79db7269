"""The train stage's logic: params validation, the input pipeline, reproducible runs, metrics."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, fake_segments, read_committed_yaml

import keras
import tensorflow as tf

import gtzan.devices
import gtzan.train
from gtzan.architectures import architecture_names, build_model
from gtzan.augment import Augmentation, augment_batch
from gtzan.cpu import Cpu
from gtzan.curves import read_curves
from gtzan.devices import automatic_precision, precision_for, seed_everything, set_precision
from gtzan.errors import UserError
from gtzan.train import (
    TrainingConfig,
    check_converging,
    learning_rate_for,
    loss_and_accuracy,
    make_dataset,
    make_training_dataset,
    schedule_callbacks,
    summarize_history,
    train_model,
    validation_targets,
)

VALID_BLOCK = {"epochs": 2, "batch_size": 8, "optimizer": "sgd", "learning_rate": 1.0e-2, "momentum": 0.9, "architecture": {}}


def test_the_real_params_blocks_are_valid():
    params = read_committed_yaml("params.yaml")
    for name, block in params["models"].items():
        config = TrainingConfig.from_params(name, block)
        assert config.epochs == 50, "the spec's schedule is the default; the demo shortens it with -S"
        assert "augment" in block and not config.augment.enabled, "every lever is in params.yaml, and off"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epoch": 3}, r"unknown keys \['epoch'\]; valid keys are \['epochs', 'batch_size'"),
        ({"learning_rate": "1e-3"}, r"learning_rate must be a positive float written like 1.0e-3"),
        ({"epochs": 0}, r"epochs must be a positive integer, got 0"),
        ({"batch_size": 12.5}, r"batch_size must be a positive integer"),
        ({"optimizer": "adamw"}, r"optimizer 'adamw' is unknown; valid optimizers are \['adam', 'rmsprop', 'sgd'\]"),
        ({"momentum": 1.5}, r"momentum must be a number in \[0, 1\)"),
        ({"architecture": [1, 2]}, r"architecture must be a mapping"),
        ({"early_stopping_patience": -1}, r"early_stopping_patience must be 0 \(off\) or a positive number"),
        ({"lr_schedule": "linear"}, r"lr_schedule 'linear' is unknown; valid schedules are \['constant', 'cosine', 'plateau'\]"),
        ({"optimizer": "adam", "momentum": 0.9}, r"momentum is not used by adam"),
    ],
)
def test_a_malformed_block_gets_a_clear_error(change, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig.from_params("cnn_rnn", {**VALID_BLOCK, **change})


def test_a_missing_key_or_a_non_mapping_is_named():
    block = dict(VALID_BLOCK)
    del block["learning_rate"]
    with pytest.raises(ValueError, match=r"models.cnn_rnn is missing \['learning_rate'\]"):
        TrainingConfig.from_params("cnn_rnn", block)
    with pytest.raises(ValueError, match=r"models.cnn_rnn must be a mapping"):
        TrainingConfig.from_params("cnn_rnn", None)


def test_schedules_and_early_stopping_are_off_by_default_and_on_when_asked():
    default = TrainingConfig.from_params("cnn_rnn", VALID_BLOCK)
    assert learning_rate_for(default, steps_per_epoch=10) == 1.0e-2 and schedule_callbacks(default) == []

    cosine = TrainingConfig.from_params("cnn_rnn", {**VALID_BLOCK, "lr_schedule": "cosine"})
    schedule = learning_rate_for(cosine, steps_per_epoch=10)
    assert float(schedule(0)) == pytest.approx(1.0e-2) and float(schedule(20)) == pytest.approx(0.0, abs=1e-9)

    both = TrainingConfig.from_params("cnn_rnn", {**VALID_BLOCK, "lr_schedule": "plateau", "early_stopping_patience": 4})
    plateau, stopping = schedule_callbacks(both)
    assert isinstance(plateau, keras.callbacks.ReduceLROnPlateau) and plateau.factor == 0.5
    assert isinstance(stopping, keras.callbacks.EarlyStopping) and stopping.patience == 4 and stopping.restore_best_weights


def test_each_epoch_is_reshuffled_from_the_seed_and_its_number_alone():
    spectrograms = np.arange(20, dtype=np.float32).reshape(20, 1, 1, 1) * np.ones((1, 80, 80, 1), np.float32)
    labels = np.arange(20, dtype=np.int32)

    def epochs(first_epoch, seed=3):
        dataset = make_training_dataset(spectrograms, labels, batch_size=8, seed=seed, first_epoch=first_epoch, epochs=3)
        batches = [batch for batch in dataset]
        assert all(np.array_equal(x[:, 0, 0, 0], y) for x, y in batches), "spectrograms stay with their labels"
        labels_seen = [y.numpy().tolist() for _, y in batches]
        return [labels_seen[start:start + 3] for start in range(0, len(labels_seen), 3)]

    first, second, third = epochs(first_epoch=0)
    assert [len(batch) for batch in first] == [8, 8, 4]
    assert sorted(sum(first, [])) == list(range(20))
    assert first != second != third, "reshuffled every epoch"
    assert epochs(first_epoch=1) == [second, third], "a run resumed at epoch 2 sees the batches of an uninterrupted one"
    assert epochs(first_epoch=0, seed=4)[0] != first
    unshuffled = [batch[1].numpy().tolist() for batch in make_dataset(spectrograms, labels, batch_size=8)]
    assert sum(unshuffled, []) == list(range(20))


def test_summary_of_a_history():
    history = {
        "val_accuracy": [0.2, 0.5, 0.4],
        "val_loss": [2.0, 1.5, 1.6],
        "accuracy": [0.3, 0.6, 0.7],
        "loss": [1.9, 1.2, 1.0],
    }
    metrics = summarize_history(history, trainable_parameters=1234, epoch_seconds=[5.0, 2.0, 2.5], train_examples=100)
    assert metrics["val_accuracy_best"] == 0.5 and metrics["best_epoch"] == 2
    assert metrics["val_loss_best"] == 1.5
    assert metrics["train_seconds"] == 9.5 and metrics["first_epoch_seconds"] == 5.0
    assert metrics["seconds_per_epoch"] == 2.25 and metrics["samples_per_second"] == 44.4, "steady state: after the first epoch"
    assert metrics["parameters"] == 1234 and metrics["epochs"] == 3


def test_a_diverged_training_is_an_error_naming_the_learning_rate():
    config = TrainingConfig.from_params("cnn_rnn", VALID_BLOCK)
    history = {"loss": [2.0, float("nan")], "val_loss": [2.1, float("nan")]}
    with pytest.raises(UserError, match=r"training cnn_rnn diverged: loss became nan at epoch 2; lower models.cnn_rnn.learning_rate \(now 0.01\)"):
        check_converging("cnn_rnn", config, history)
    check_converging("cnn_rnn", config, {"loss": [2.0, 1.0], "val_loss": [2.1, 1.5]})


def test_train_deterministic_must_be_a_boolean(tmp_path):
    with pytest.raises(UserError, match=r"train.deterministic must be true or false, got 'yes'"):
        seed_everything(0, "yes")


def run_tiny_training(tmp_path, run: str, block: dict = VALID_BLOCK, precision: str = "auto") -> dict:
    metrics = train_model(
        name="parallel_cnn",
        config=TrainingConfig.from_params("parallel_cnn", block),
        train_data=fake_segments(48, seed=1, learnable=True),
        val_data=fake_segments(16, seed=2, learnable=True),
        num_classes=8,
        seed=7,
        deterministic=True,
        precision=precision,
        steps_per_execution=1,
        model_path=tmp_path / run / "model.keras",
        live_dir=tmp_path / run / "dvclive",
        checkpoint_path=tmp_path / run / "checkpoint.npz",
    )
    written = json.loads((tmp_path / run / "dvclive" / "metrics.json").read_text())
    assert written == json.loads(json.dumps(metrics)), "train_model returns what DVCLive wrote"
    return written


TIMINGS = {"train_seconds", "first_epoch_seconds", "seconds_per_epoch", "samples_per_second"}


def without_timings(metrics: dict) -> dict:
    return {key: value for key, value in metrics.items() if key not in TIMINGS}


def interrupted_after_epoch(epochs_done: int) -> type:
    """The train stage's Checkpoint, raising KeyboardInterrupt (Ctrl-C) once it has saved epoch epochs_done."""
    class Interrupted(gtzan.train.Checkpoint):
        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            if epoch + 1 == epochs_done:
                raise KeyboardInterrupt
    return Interrupted


def test_two_runs_give_identical_metrics_and_curves_logged_by_dvclive(tmp_path):
    first = run_tiny_training(tmp_path, "first")
    second = run_tiny_training(tmp_path, "second")
    assert without_timings(first) == without_timings(second)
    assert first["parameters"] == 61_071 and first["epochs"] == 2 and first["step"] == 1
    assert (tmp_path / "first" / "model.keras").stat().st_size > 0
    curves = read_curves(tmp_path / "first" / "dvclive")
    assert curves == read_curves(tmp_path / "second" / "dvclive")
    assert all(len(curves[metric][split]) == 2 for metric in ("loss", "accuracy") for split in ("train", "validation"))
    assert curves["accuracy"]["validation"][-1] == first["eval"]["accuracy"]
    assert max(curves["accuracy"]["validation"]) == pytest.approx(first["val_accuracy_best"], abs=1e-6)
    written = sorted(path.relative_to(tmp_path / "first" / "dvclive").as_posix() for path in (tmp_path / "first" / "dvclive").rglob("*.*"))
    assert written == ["metrics.json", *(f"plots/metrics/{split}/{metric}.tsv" for split in ("eval", "train") for metric in ("accuracy", "loss"))]


def test_an_interrupted_training_resumes_and_ends_as_an_uninterrupted_one(tmp_path, monkeypatch, capsys):
    block = {**VALID_BLOCK, "epochs": 4, "lr_schedule": "plateau", "early_stopping_patience": 3}
    uninterrupted = run_tiny_training(tmp_path, "uninterrupted", block)

    monkeypatch.setattr(gtzan.train, "Checkpoint", interrupted_after_epoch(2))
    with pytest.raises(KeyboardInterrupt, match=r"training parallel_cnn stopped in epoch 3 of 4; `dvc repro` resumes from epoch 3"):
        run_tiny_training(tmp_path, "resumed", block)
    assert (tmp_path / "resumed" / "checkpoint.npz").exists() and not (tmp_path / "resumed" / "model.keras").exists()
    monkeypatch.undo()
    capsys.readouterr()

    resumed = run_tiny_training(tmp_path, "resumed", block)
    output = capsys.readouterr().out
    assert "Resuming parallel_cnn from epoch 3" in output and "Epoch 1/4" not in output and "Epoch 3/4" in output
    assert without_timings(resumed) == without_timings(uninterrupted)
    curves = read_curves(tmp_path / "resumed" / "dvclive")
    assert curves == read_curves(tmp_path / "uninterrupted" / "dvclive")
    assert len(curves["loss"]["validation"]) == 4, "DVCLive's curve holds all 4 epochs, those before the interruption too"
    weights = [keras.models.load_model(tmp_path / run / "model.keras").get_weights() for run in ("uninterrupted", "resumed")]
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


AUGMENTED = {**VALID_BLOCK, "epochs": 3, "augment": {"time_masks": 2, "time_mask_width": 8, "freq_masks": 1,
                                                     "freq_mask_width": 8, "mixup_alpha": 0.4, "label_smoothing": 0.1}}


def test_augmented_training_is_reproducible_resumable_and_validated_on_untouched_data(tmp_path, monkeypatch):
    validated_on = []
    make_dataset = gtzan.train.make_dataset
    monkeypatch.setattr(gtzan.train, "make_dataset", lambda *data, batch_size: validated_on.append(data) or make_dataset(*data, batch_size=batch_size))
    first = run_tiny_training(tmp_path, "first", AUGMENTED)
    assert without_timings(run_tiny_training(tmp_path, "second", AUGMENTED)) == without_timings(first)
    assert first["augment"] == "2 time masks ≤ 8, 1 mel mask ≤ 8, mixup α 0.4, label smoothing 0.1"
    spectrograms, labels = fake_segments(16, seed=2, learnable=True)
    np.testing.assert_array_equal(validated_on[0][0], spectrograms)
    np.testing.assert_array_equal(validated_on[0][1], np.eye(8)[labels]), "validation: the genres as one-hot rows, unsmoothed"
    assert np.isfinite(first["val_loss_best"]) and first["val_loss_best"] > 0

    monkeypatch.setattr(gtzan.train, "Checkpoint", interrupted_after_epoch(2))
    with pytest.raises(KeyboardInterrupt):
        run_tiny_training(tmp_path, "resumed", AUGMENTED)
    monkeypatch.undo()
    assert without_timings(run_tiny_training(tmp_path, "resumed", AUGMENTED)) == without_timings(first)
    weights = [keras.models.load_model(tmp_path / run / "model.keras").get_weights() for run in ("first", "resumed")]
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


def test_with_soft_targets_the_loss_takes_them_and_accuracy_counts_each_segments_own_genre():
    labels = np.arange(64, dtype=np.int32) % 8
    assert loss_and_accuracy(Augmentation()) == ("sparse_categorical_crossentropy", "accuracy")
    assert validation_targets(Augmentation(), labels, 8) is labels
    augmentation = Augmentation(mixup_alpha=1.0, label_smoothing=0.2)
    loss, accuracy = loss_and_accuracy(augmentation)
    val_targets = validation_targets(augmentation, labels, 8)
    assert isinstance(loss, keras.losses.CategoricalCrossentropy) and accuracy.name == "accuracy"
    np.testing.assert_array_equal(val_targets, np.eye(8)[labels])
    spectrograms = np.random.default_rng(0).normal(size=(64, 80, 80, 1)).astype(np.float32)
    _, targets = augment_batch(tf.constant(spectrograms), tf.constant(labels), augmentation=augmentation, num_classes=8,
                               key=tf.constant([1, 2], tf.int64))
    predictions = np.random.default_rng(1).dirichlet(np.ones(8), size=64).astype(np.float32)
    accuracy.update_state(targets, predictions)
    assert float(accuracy.result()) == pytest.approx(np.mean(predictions.argmax(axis=1) == labels))


def test_a_checkpoint_of_other_inputs_is_discarded_with_a_notice(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gtzan.train, "Checkpoint", interrupted_after_epoch(1))
    with pytest.raises(KeyboardInterrupt):
        run_tiny_training(tmp_path, "run")
    monkeypatch.undo()
    capsys.readouterr()
    run_tiny_training(tmp_path, "run", {**VALID_BLOCK, "learning_rate": 2.0e-2})
    output = capsys.readouterr().out
    assert f"Discarding the checkpoint {tmp_path / 'run' / 'checkpoint.npz'} (epoch 1): its params changed since; training parallel_cnn from epoch 1." in output
    assert "Resuming" not in output


def test_a_checkpoint_belongs_to_the_code_that_trains_not_to_the_report():
    script = ("from gtzan.train import TrainingConfig; from gtzan.checkpoint import training_sources; "
              "TrainingConfig.from_params('cnn_gru', {'epochs': 1, 'batch_size': 8, 'optimizer': 'adam', 'learning_rate': 1.0e-3}); "
              "print('\\n'.join(path.as_posix() for path in training_sources()))")
    listed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    names = {path.split("src/gtzan/")[1] for path in listed}
    assert {"train.py", "checkpoint.py", "augment.py", "architectures/blocks.py", "architectures/cnn_gru.py"} <= names
    assert not {"report.py", "predict.py", "evaluate.py", "architectures/resnet50.py"} & names


def test_a_stage_given_an_unknown_architecture_exits_with_a_short_message():
    paths = ["--data", "nowhere", "--model", "m.keras", "--live", "l", "--checkpoint", "c.npz"]
    result = subprocess.run(
        [sys.executable, "stages/train.py", "transformer", *paths], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "ERROR: params.yaml has no block models.transformer" in result.stderr
    assert "'cnn_gru'" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, "one line: no TensorFlow start-up lines either"


def test_a_learning_rate_that_diverges_stops_the_run_without_a_model(tmp_path):
    with pytest.raises(UserError, match=r"training parallel_cnn diverged: loss became nan .* \(now 1000000.0\)"):
        run_tiny_training(tmp_path, "diverged", {**VALID_BLOCK, "learning_rate": 1.0e6})
    assert not (tmp_path / "diverged" / "model.keras").exists()


def test_precision_is_checked_and_auto_picks_what_the_hardware_runs_fast():
    with pytest.raises(UserError, match=r"train.precision must be one of \['auto', 'float32', 'mixed_bfloat16', 'mixed_float16'\], got 'half'"):
        set_precision("half")
    assert set_precision("float32") == "float32" and keras.mixed_precision.global_policy().name == "float32"
    assert set_precision("auto") == automatic_precision()


def test_bfloat16_is_refused_on_a_cpu_without_bfloat16_instructions(monkeypatch):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")  # this CPU as oneDNN sees it: no bfloat16, whatever it has
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU runs bfloat16 whatever the CPU")
    with pytest.raises(UserError, match=r"train.precision is mixed_bfloat16, but this CPU has no bfloat16 instructions "
                                        r"that oneDNN may use .*: set train.precision to auto or float32"):
        set_precision("mixed_bfloat16")


def test_float16_is_refused_where_onednn_is_capped_below_the_float16_kernels_tensorflow_hands_it(monkeypatch):
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU runs float16 whatever the CPU")
    sapphire_rapids_capped = Cpu(model="Xeon", cores=2, clock_ghz=2.0, flags=frozenset({"avx512f", "avx512_fp16", "amx_bf16"}),
                                 onednn_max_isa="AVX2")
    monkeypatch.setattr(gtzan.devices.Cpu, "this", classmethod(lambda cls: sapphire_rapids_capped))
    with pytest.raises(UserError, match=r"^params.yaml train.precision is mixed_float16, but ONEDNN_MAX_CPU_ISA=AVX2 leaves "
                                        r"oneDNN no float16 kernels, .*: set train.precision to auto or float32, or unset"):
        set_precision("mixed_float16")


@pytest.mark.parametrize("gpu_capability, cpu_flags, onednn_max_isa, expected", [
    ((8, 0), {"avx2"}, "", "mixed_float16"),  # tensor cores
    ((6, 1), {"avx512_bf16"}, "", "float32"),  # a GPU without tensor cores: its CPU does not count
    (None, {"avx2", "avx512f", "avx512_bf16"}, "", "mixed_bfloat16"),
    (None, {"amx_bf16"}, "", "mixed_bfloat16"),
    (None, {"avx2", "fma", "avx512f"}, "", "float32"),  # AVX-512 without bfloat16
    (None, {"avx2", "avx512f", "avx512_bf16"}, "AVX2", "float32"),  # oneDNN held to an AVX2 CPU's kernels
    (None, {"avx2", "avx512f", "avx512_bf16"}, "AVX512_CORE_VNNI", "float32"),
    (None, {"avx2", "avx512f", "avx512_bf16"}, "AVX512_CORE_BF16", "mixed_bfloat16"),
])
def test_auto_precision_follows_the_hardware(gpu_capability, cpu_flags, onednn_max_isa, expected):
    cpu = Cpu(model="CPU", cores=2, clock_ghz=None, flags=frozenset(cpu_flags), onednn_max_isa=onednn_max_isa)
    assert precision_for(gpu_capability=gpu_capability, cpu=cpu) == expected


@pytest.mark.parametrize("name", architecture_names())
def test_under_mixed_precision_every_softmax_is_float32(name):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")  # building the model runs no bfloat16 kernel
    model = build_model(name, (80, 80, 1), 8)
    assert model.get_layer("probabilities").compute_dtype == "float32"
    assert all(variable.dtype == "float32" for variable in model.trainable_variables)


def test_two_devices_train_as_one_device_train_as_one_device_with_the_same_global_batch(tmp_path, capsys):
    """Two logical CPUs stand in for two GPUs (TensorFlow must be told before it starts, hence the
    subprocess): MirroredStrategy splits every batch of 8 into 4 + 4, and as parallel_cnn has neither
    dropout nor batch normalization, the run follows the single-device one up to rounding."""
    script = "\n".join([
        "import json, pathlib, sys",
        "import tensorflow as tf",
        "cpu = tf.config.list_physical_devices('CPU')[0]",
        "tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)",
        f"sys.path.insert(0, {str(REPO_ROOT / 'tests')!r})",
        "from test_train import run_tiny_training",
        "print(json.dumps(run_tiny_training(pathlib.Path(sys.argv[1]), 'mirrored', precision='float32')))",
    ])
    mirrored_run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True)
    assert mirrored_run.returncode == 0, mirrored_run.stderr[-3000:]
    assert "mirrored over 2 devices (/job:localhost/replica:0/task:0/device:CPU:0, " in mirrored_run.stdout
    mirrored = json.loads(mirrored_run.stdout.strip().splitlines()[-1])
    single = run_tiny_training(tmp_path, "single", precision="float32")
    assert "on the CPU" in capsys.readouterr().out
    assert mirrored["train"]["loss"] == pytest.approx(single["train"]["loss"], rel=1e-4)
    assert mirrored["eval"]["loss"] == pytest.approx(single["eval"]["loss"], rel=1e-4)
    assert mirrored["val_loss_best"] == pytest.approx(single["val_loss_best"], rel=1e-4)
    assert keras.models.load_model(tmp_path / "mirrored" / "model.keras").count_params() == 61_071


@pytest.mark.parametrize("setting, enabled", [(None, "True"), ("0", "False")])
def test_the_project_runs_onednn_kernels_on_every_cpu_unless_the_environment_says_otherwise(setting, enabled):
    """TensorFlow alone turns them on only on CPUs with AVX512-VNNI, AVX512-BF16, AVX-VNNI or AMX."""
    environment = {key: value for key, value in os.environ.items() if key != "TF_ENABLE_ONEDNN_OPTS"}
    if setting is not None:
        environment["TF_ENABLE_ONEDNN_OPTS"] = setting
    script = "import gtzan\nfrom tensorflow.python.util import _pywrap_util_port\nprint(_pywrap_util_port.IsMklEnabled())"
    shown = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True)
    assert shown.stdout.split() == [enabled]
