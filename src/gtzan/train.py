"""The train stage: compile and fit one architecture, log its curves and metrics with DVCLive.

Compilation and training of every architecture happen here and nowhere else.
"""

import math
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from dvclive import Live
from dvclive.keras import DVCLiveCallback

from gtzan.architectures import build_model, check_hyperparameters
from gtzan.architectures.blocks import plain_keras
from gtzan.augment import Augmentation, augment_batch
from gtzan.checkpoint import Checkpoint, fingerprint
from gtzan.cli import seed_param
from gtzan.devices import check_deterministic_on_gpu, describe_devices, distribution_strategy, seed_everything, set_precision
from gtzan.errors import UserError, check_integer, check_keys
from gtzan.prepared import describe_data, load_prepared, load_summary, stamp_training_data

# constant: the optimizer's learning rate throughout; cosine: cosine decay to 0 over all epochs;
# plateau: halve it whenever the validation loss has not improved for 3 epochs.
LR_SCHEDULES = ["constant", "cosine", "plateau"]

OPTIMIZERS = {
    "sgd": lambda learning_rate, config: keras.optimizers.SGD(learning_rate=learning_rate, momentum=config.momentum),
    "adam": lambda learning_rate, config: keras.optimizers.Adam(learning_rate=learning_rate),
    "rmsprop": lambda learning_rate, config: keras.optimizers.RMSprop(learning_rate=learning_rate, momentum=config.momentum),
}


@dataclass(frozen=True)
class TrainingConfig:
    """One `models.<name>` block of params.yaml."""

    epochs: int
    batch_size: int
    optimizer: str
    learning_rate: float
    momentum: float = 0.0
    early_stopping_patience: int = 0
    lr_schedule: str = "constant"
    architecture: dict = field(default_factory=dict)
    augment: Augmentation = field(default_factory=Augmentation)

    @classmethod
    def from_params(cls, name: str, block) -> "TrainingConfig":
        valid = [item.name for item in fields(cls)]
        where = f"params.yaml models.{name}"
        check_keys(where, block, valid)
        required = [item.name for item in fields(cls) if item.default is MISSING and item.default_factory is MISSING]
        missing = [key for key in required if key not in block]
        if missing:
            raise UserError(f"{where} is missing {missing}; valid keys are {valid}")
        config = cls(**{**block, "architecture": block.get("architecture") or {},
                        "augment": Augmentation.from_params(f"{where}.augment", block.get("augment"))})
        config._check(where)
        check_hyperparameters(name, config.architecture)
        return config

    def _check(self, where: str) -> None:
        for key in ("epochs", "batch_size"):
            check_integer(f"{where}.{key}", getattr(self, key))
        if self.optimizer not in OPTIMIZERS:
            raise UserError(f"{where}.optimizer '{self.optimizer}' is unknown; valid optimizers are {sorted(OPTIMIZERS)}")
        if not isinstance(self.learning_rate, float) or self.learning_rate <= 0:
            raise UserError(
                f"{where}.learning_rate must be a positive float written like 1.0e-3 "
                f"(YAML reads 1e-3 as a string), got {self.learning_rate!r}"
            )
        if not isinstance(self.momentum, (int, float)) or not 0 <= self.momentum < 1:
            raise UserError(f"{where}.momentum must be a number in [0, 1), got {self.momentum!r}")
        if self.momentum and self.optimizer == "adam":
            raise UserError(f"{where}.momentum is not used by adam; remove it or choose sgd or rmsprop")
        if not isinstance(self.early_stopping_patience, int) or self.early_stopping_patience < 0:
            raise UserError(
                f"{where}.early_stopping_patience must be 0 (off) or a positive number of epochs, "
                f"got {self.early_stopping_patience!r}"
            )
        if self.lr_schedule not in LR_SCHEDULES:
            raise UserError(f"{where}.lr_schedule '{self.lr_schedule}' is unknown; valid schedules are {LR_SCHEDULES}")


def make_dataset(spectrograms: np.ndarray, labels: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """In order, batched, cached and prefetched: the validation data."""
    return tf.data.Dataset.from_tensor_slices((spectrograms, labels)).batch(batch_size).cache().prefetch(tf.data.AUTOTUNE)


def make_training_dataset(
    spectrograms: np.ndarray, labels: np.ndarray, *, batch_size: int, seed: int, first_epoch: int, epochs: int,
    augmentation: Augmentation = Augmentation(), num_classes: int = 0,
) -> tf.data.Dataset:
    """The batches of epochs first_epoch to epochs - 1, one after the other (fit them with steps_per_epoch),
    augmented (gtzan.augment) if augmentation is on: then num_classes sizes the soft labels.

    Each epoch's order is drawn from (seed, epoch) alone, and each batch's augmentation from (seed, epoch,
    batch number), so a run resumed at any epoch sees the same batches as an uninterrupted one.
    """
    spectrograms, labels = tf.constant(spectrograms), tf.constant(labels)
    count = len(labels)

    def epoch_batches(epoch):
        epoch_key = tf.stack([tf.constant(seed, tf.int64), epoch])
        order = tf.argsort(tf.random.stateless_uniform([count], seed=epoch_key))
        batches = tf.data.Dataset.from_tensor_slices(order).batch(batch_size).enumerate()
        return batches.map(lambda number, indices: (tf.random.experimental.stateless_fold_in(epoch_key, number), indices))

    def gather(key, indices):
        batch = tf.gather(spectrograms, indices), tf.gather(labels, indices)
        if not augmentation.enabled:
            return batch
        return augment_batch(*batch, augmentation=augmentation, num_classes=num_classes, key=key)

    batches = tf.data.Dataset.range(first_epoch, epochs).flat_map(epoch_batches)
    return batches.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)  # in order: the default


def run_training(name: str, *, params: dict, data_dir: Path, model_path: Path, live_dir: Path, checkpoint_path: Path) -> dict:
    """The train stage for the architecture `name`, from params.yaml's params and the prepared data in data_dir:
    train_model, then the model stamped with the data it was trained on and the checkpoint removed. A failed
    run leaves no metrics.json, which DVCLive updates after every epoch."""
    if name not in params["models"]:
        raise UserError(f"params.yaml has no block models.{name}; its architectures are {sorted(params['models'])}")
    summary = load_summary(data_dir)
    try:
        metrics = train_model(
            name=name,
            config=TrainingConfig.from_params(name, params["models"][name]),
            train_data=load_prepared(data_dir, "train"),
            val_data=load_prepared(data_dir, "val"),
            num_classes=summary["num_classes"],
            seed=seed_param(params),
            deterministic=params["train"]["deterministic"],
            precision=params["train"]["precision"],
            steps_per_execution=params["train"]["steps_per_execution"],
            model_path=model_path,
            live_dir=live_dir,
            checkpoint_path=checkpoint_path,
            data_description=describe_data(summary),
        )
    except BaseException:
        (live_dir / "metrics.json").unlink(missing_ok=True)
        raise
    stamp_training_data(model_path, summary)
    checkpoint_path.unlink()  # the outputs are complete: nothing left to resume
    print(f"{name}: best validation accuracy {metrics['val_accuracy_best']:.3f} at epoch {metrics['best_epoch']}, "
          f"{metrics['seconds_per_epoch']:.1f} s/epoch")
    return metrics


def train_model(
    *,
    name: str,
    config: TrainingConfig,
    train_data: tuple[np.ndarray, np.ndarray],
    val_data: tuple[np.ndarray, np.ndarray],
    num_classes: int,
    seed: int,
    deterministic: bool,
    precision: str,
    steps_per_execution: int,
    model_path: Path,
    live_dir: Path,
    checkpoint_path: Path,
    data_description: str = "",
) -> dict:
    """Train one architecture; save the model to model_path and log its curves (after every epoch,
    see gtzan.curves) and its metrics with DVCLive into live_dir; return the metrics.

    The state after every epoch goes to checkpoint_path, and a run that finds a checkpoint of the
    same inputs there resumes from it (see gtzan.checkpoint); the caller removes it once done.
    data_description (gtzan.prepared.describe_data) goes into the metrics, to say what they were measured on.
    """
    seed_everything(seed, deterministic)
    policy = set_precision(precision)
    check_integer("params.yaml train.steps_per_execution", steps_per_execution)
    strategy = distribution_strategy()
    checkpoint = Checkpoint(checkpoint_path, fingerprint(
        params={"model": name, **_flat(config), "seed": seed, "deterministic": deterministic, "precision": policy,
                "steps_per_execution": steps_per_execution, "replicas": strategy.num_replicas_in_sync,
                "num_classes": num_classes},
        spectrograms=[train_data[0], val_data[0]],
    ))
    resuming = checkpoint.load(name)
    input_shape = train_data[0].shape[1:]
    config.augment.check_fits(f"params.yaml models.{name}.augment", input_shape)
    with strategy.scope():
        model = compiled_model(name, config, input_shape, num_classes, steps_per_epoch=epoch_steps(config, train_data),
                               steps_per_execution=steps_per_execution)
        if resuming:
            checkpoint.restore_variables(model)
    if deterministic and tf.config.list_logical_devices("GPU"):
        check_deterministic_on_gpu(name, model, strategy, input_shape, soft_labels=config.augment.soft_labels)
    trainable = int(sum(np.prod(weight.shape) for weight in model.trainable_weights))
    print(f"Training {name}: {trainable:,} trainable parameters, {config.epochs} epochs, "
          f"{len(train_data[1]):,} training and {len(val_data[1]):,} validation examples, {policy}, "
          f"{describe_devices(strategy)}, augmentation: {config.augment.describe()}", flush=True)
    if resuming:
        print(f"Resuming {name} from epoch {checkpoint.epoch + 1}: epochs 1-{checkpoint.epoch} are in {checkpoint_path}", flush=True)

    # DVC tracks the params and draws the plots: DVCLive writes neither params.yaml nor dvc.yaml
    with Live(dir=str(live_dir), dvcyaml=False, save_dvc_exp=False) as live:
        logger = DVCLiveCallback(live=live)
        for epoch in range(checkpoint.epoch):  # a resumed run's curves of the epochs done before the interruption
            logger.on_epoch_end(epoch, {key: values[epoch] for key, values in checkpoint.history.items()})
        fit_remaining_epochs(name, model, config, train_data, val_data, num_classes=num_classes, seed=seed,
                             checkpoint=checkpoint, logger=logger)
        check_converging(name, config, checkpoint.history)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        with strategy.scope():
            plain_keras(model).save(model_path)
        live.summary.update(summarize_history(checkpoint.history, trainable_parameters=trainable,
                                              epoch_seconds=checkpoint.state["epoch_seconds"], train_examples=len(train_data[1])),
                            data=data_description, augment=config.augment.describe())
        return dict(live.summary)


def epoch_steps(config: TrainingConfig, train_data: tuple[np.ndarray, np.ndarray]) -> int:
    return math.ceil(len(train_data[1]) / config.batch_size)


def compiled_model(name: str, config: TrainingConfig, input_shape, num_classes: int, *, steps_per_epoch: int,
                   steps_per_execution: int) -> keras.Model:
    """The architecture, compiled with its optimizer and schedule, and the loss its targets need."""
    model = build_model(name, input_shape=input_shape, num_classes=num_classes, hyperparameters=config.architecture)
    loss, accuracy = loss_and_accuracy(config.augment)
    model.compile(optimizer=OPTIMIZERS[config.optimizer](learning_rate_for(config, steps_per_epoch), config),
                  loss=loss, metrics=[accuracy], steps_per_execution=steps_per_execution)
    return model


def fit_remaining_epochs(name: str, model: keras.Model, config: TrainingConfig, train_data: tuple[np.ndarray, np.ndarray],
                         val_data: tuple[np.ndarray, np.ndarray], *, num_classes: int, seed: int, checkpoint: Checkpoint,
                         logger: keras.callbacks.Callback) -> None:
    """Fit the epochs the checkpoint has not done yet (none if early stopping stopped the run), saving each to it.
    Ctrl-C stops between two batches, with a KeyboardInterrupt that says where `dvc repro` resumes."""
    schedules = schedule_callbacks(config)
    checkpoint.track(schedules)
    if checkpoint.epoch >= config.epochs or checkpoint.state["stopped"]:
        return
    try:
        with ctrl_c_between_batches() as stop_on_ctrl_c:
            model.fit(
                make_training_dataset(*train_data, batch_size=config.batch_size, seed=seed, first_epoch=checkpoint.epoch,
                                      epochs=config.epochs, augmentation=config.augment, num_classes=num_classes),
                validation_data=make_dataset(val_data[0], validation_targets(config.augment, val_data[1], num_classes),
                                             batch_size=config.batch_size),
                initial_epoch=checkpoint.epoch,
                epochs=config.epochs,
                steps_per_epoch=epoch_steps(config, train_data),
                callbacks=[
                    stop_on_ctrl_c,
                    keras.callbacks.TerminateOnNaN(),
                    *schedules,
                    logger,  # after the schedules: it logs the learning rate they set, as the replay above does
                    checkpoint,
                ],
                shuffle=False,  # make_training_dataset orders each epoch itself
                verbose=2,
            )
    except KeyboardInterrupt:
        raise KeyboardInterrupt(
            f"training {name} stopped in epoch {checkpoint.epoch + 1} of {config.epochs}; "
            f"`dvc repro` resumes from epoch {checkpoint.epoch + 1} ({checkpoint.path})"
        ) from None


def loss_and_accuracy(augmentation: Augmentation) -> tuple:
    """The loss and the accuracy metric: for class ids, or for class probabilities where the training targets are
    soft (mixup, label smoothing). Accuracy counts the largest target as the label either way."""
    if not augmentation.soft_labels:
        return "sparse_categorical_crossentropy", "accuracy"
    return keras.losses.CategoricalCrossentropy(), keras.metrics.CategoricalAccuracy(name="accuracy")


def validation_targets(augmentation: Augmentation, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """The validation labels as the loss takes them: class ids, or one-hot rows (never smoothed: the validation
    loss stays the plain cross-entropy) where the training targets are soft."""
    return np.eye(num_classes, dtype=np.float32)[labels] if augmentation.soft_labels else labels


@contextmanager
def ctrl_c_between_batches() -> Iterator[keras.callbacks.Callback]:
    """While the body runs, Ctrl-C (SIGINT) raises KeyboardInterrupt from the yielded callback, between
    two batches, rather than wherever Python happens to be: raised inside one of TensorFlow's context
    managers, it surfaces as an unrelated RuntimeError ("Exiting device scope without proper scope nesting")."""
    requested = []

    def raise_if_requested(batch, logs=None) -> None:
        if requested:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, lambda signum, frame: requested.append(signum))
    try:
        yield keras.callbacks.LambdaCallback(on_train_batch_end=raise_if_requested, on_test_batch_end=raise_if_requested)
    finally:
        signal.signal(signal.SIGINT, previous)


def learning_rate_for(config: TrainingConfig, steps_per_epoch: int):
    """The optimizer's learning rate: a number, or a schedule over training steps."""
    if config.lr_schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(config.learning_rate, decay_steps=config.epochs * steps_per_epoch)
    return config.learning_rate


def schedule_callbacks(config: TrainingConfig) -> list[keras.callbacks.Callback]:
    """Early stopping (keeping the best weights) and the plateau schedule, when the params ask for them."""
    callbacks = []
    if config.lr_schedule == "plateau":
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3, verbose=1))
    if config.early_stopping_patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=config.early_stopping_patience, restore_best_weights=True, verbose=1
            )
        )
    return callbacks


def check_converging(name: str, config: TrainingConfig, history: dict) -> None:
    """UserError if a loss became NaN or infinite: the training diverged, and its model is worthless."""
    for key in ("loss", "val_loss"):
        values = np.asarray(history.get(key, []), dtype=np.float64)
        if not np.isfinite(values).all():
            epoch = int(np.argmin(np.isfinite(values))) + 1
            raise UserError(
                f"training {name} diverged: {key} became {values[epoch - 1]} at epoch {epoch}; "
                f"lower models.{name}.learning_rate (now {config.learning_rate})"
            )


def summarize_history(history: dict, *, trainable_parameters: int, epoch_seconds: list[float], train_examples: int) -> dict:
    """The metrics of a training, beside the last epoch's values that DVCLive's callback keeps. Speed is the
    steady state: the median epoch after the first, which also pays for tracing the graph (first_epoch_seconds)."""
    val_accuracy = history["val_accuracy"]
    best = int(np.argmax(val_accuracy))
    epochs = len(val_accuracy)
    steady = float(np.median(epoch_seconds[1:] or epoch_seconds))
    return {
        "val_accuracy_best": round(float(val_accuracy[best]), 6),
        "val_loss_best": round(float(min(history["val_loss"])), 6),
        "best_epoch": best + 1,
        "epochs": epochs,
        "parameters": trainable_parameters,
        "train_seconds": round(sum(epoch_seconds), 2),
        "first_epoch_seconds": round(epoch_seconds[0], 3),
        "seconds_per_epoch": round(steady, 3),
        "samples_per_second": round(train_examples / steady, 1),
    }


def _flat(config: TrainingConfig) -> dict:
    values = {item.name: getattr(config, item.name) for item in fields(config) if item.name not in ("architecture", "augment")}
    return {**values, **{f"architecture.{key}": value for key, value in config.architecture.items()},
            **{f"augment.{item.name}": getattr(config.augment, item.name) for item in fields(config.augment)}}
