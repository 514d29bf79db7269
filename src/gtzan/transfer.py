"""Transfer learning: a pretrained network as a frozen feature extractor, with a probe trained on its embeddings.

The one network so far is musicnn (gtzan.musicnn), trained on the Million Song Dataset's tags:

    data/raw/audio/    --featurize_pretrained-->  data/features/musicnn/: every clip's musicnn log-mel
    data/prepared/ (which segments, in which order) + those features
                       --embed-->                 data/embeddings/musicnn/<side>.npy: one embedding per segment
    the training side's embeddings, selected on validation
                       --probe-->                 models/musicnn.keras: one window in, genre probabilities out

Each prepared segment (2 s of its clip) is given musicnn's own input: the window of window_frames (187
frames by default, 3 s, the length musicnn was trained on) of its clip centred on the segment, moved
inside the clip at its ends; a clip shorter than one window is repeated to fill it, as musicnn's own
training did. So the probe scores the same segments, in the same order, as the nine architectures, and the
ensemble and the paired comparisons match them segment by segment.

The saved model is plain Keras: the frozen network, the embedding and the probe, loaded with
keras.models.load_model and no custom objects, as the nine are.
"""

import json
import time
from dataclasses import dataclass, fields
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from dvclive import Live
from dvclive.keras import DVCLiveCallback
from keras import layers

from gtzan.datasets import AUDIO_DIR, CLIPS_FILE, SOURCE_FILE, end_to_end, load_decoded, read_source
from gtzan.errors import UserError, check_integer, check_keys
from gtzan.files import staged_directory
from gtzan.musicnn import CHECKPOINTS, MusicnnInput, load_musicnn, log_mel
from gtzan.prepared import load_song_ids
from gtzan.progress import with_progress

PRETRAINED = ("musicnn",)
EMBEDDING_PARTS = ("mean_pool", "max_pool", "penultimate")
LOG_MEL_FILE = "log_mel.npy"
OFFSETS_FILE = "offsets.npy"
EMBED_BATCH_SIZE = 64


@dataclass(frozen=True)
class ProbeConfig:
    """One `transfer.<name>` block of params.yaml: the network's checkpoint, the embedding, and the probe."""

    checkpoint: str = "MSD_musicnn"
    window_frames: int = MusicnnInput().patch_frames  # each segment's window: 187 frames (3 s) centred on it
    embedding: tuple[str, ...] = ("mean_pool", "max_pool")
    hidden_units: int = 0  # 0: a logistic regression on the standardized embedding
    dropout: float = 0.0
    learning_rate: float = 1.0e-3
    epochs: int = 100
    batch_size: int = 128
    early_stopping_patience: int = 10

    @classmethod
    def from_params(cls, name: str, block) -> "ProbeConfig":
        where = f"params.yaml transfer.{name}"
        check_pretrained(name)
        valid = [item.name for item in fields(cls)]
        check_keys(where, block, valid)
        embedding = block.get("embedding", list(cls.embedding))
        if not isinstance(embedding, list) or not embedding or not set(embedding) <= set(EMBEDDING_PARTS) or len(set(embedding)) != len(embedding):
            raise UserError(f"{where}.embedding must list some of {list(EMBEDDING_PARTS)}, each once, got {embedding!r}")
        config = cls(**{**block, "embedding": tuple(embedding)})
        if config.checkpoint not in CHECKPOINTS:
            raise UserError(f"{where}.checkpoint '{config.checkpoint}' is unknown; valid checkpoints are {list(CHECKPOINTS)}")
        for key in ("window_frames", "epochs", "batch_size"):
            check_integer(f"{where}.{key}", getattr(config, key))
        for key in ("hidden_units", "early_stopping_patience"):
            check_integer(f"{where}.{key}", getattr(config, key), minimum=0)
        if not isinstance(config.learning_rate, float) or config.learning_rate <= 0:
            raise UserError(f"{where}.learning_rate must be a positive float written like 1.0e-3, got {config.learning_rate!r}")
        if not isinstance(config.dropout, (int, float)) or not 0 <= config.dropout < 1:
            raise UserError(f"{where}.dropout must be a number in [0, 1), got {config.dropout!r}")
        return config


def check_pretrained(name: str) -> None:
    """UserError unless name (an entry of params.yaml's transfer.models) is a pretrained network of this project."""
    if name not in PRETRAINED:
        raise UserError(f"params.yaml transfer.models: '{name}' is not a pretrained network of this project; valid names are {list(PRETRAINED)}")


def probe_config(params: dict, name: str) -> ProbeConfig:
    """The checked transfer.<name> block of params.yaml."""
    check_pretrained(name)
    return ProbeConfig.from_params(name, (params.get("transfer") or {}).get(name, {}))


def featurize_pretrained(*, name: str, raw_dir: Path, out_dir: Path) -> dict:
    """The network's input representation of every clip of raw_dir, end to end in one (frames, mel_bands)
    array with each clip's first frame in offsets, into out_dir; return its source.json."""
    check_pretrained(name)
    raw_dir = Path(raw_dir)
    source = read_source(raw_dir)
    if not (raw_dir / AUDIO_DIR).is_dir():
        what = "the Drive data" if source.get("source") == "gdrive" else f"saved datasets ({source.get('path')})"
        raise UserError(
            f"{name} needs audio, and {raw_dir} holds {what}: 80 x 80 spectrograms without audio. Set data.source to "
            "synthetic or to an audio folder (<dir>/<genre>/<clip>, e.g. GTZAN's genres_original), or leave "
            f"{name} out (transfer.models: [])"
        )
    settings = MusicnnInput()
    decoded = load_decoded(raw_dir / AUDIO_DIR, settings.sample_rate)
    count = len(decoded.names)
    print(f"Computing {name}'s input of {count} clips ...", flush=True)
    features = [log_mel(decoded.clip(index), settings)  # (frames, mel_bands)
                for index in with_progress(range(count), total=count, verb="computed", unit="clips")]
    log_mels, offsets = end_to_end(features)
    with staged_directory(out_dir) as staging:
        np.save(staging / LOG_MEL_FILE, log_mels)  # (all frames, mel_bands) float32
        np.save(staging / OFFSETS_FILE, offsets)  # (clips + 1,)
        (staging / CLIPS_FILE).write_text("".join(f"{clip}\n" for clip in decoded.names))
        source = {**source, "input": settings.__dict__}
        (staging / SOURCE_FILE).write_text(json.dumps(source, indent=2, sort_keys=True) + "\n")
    return source


def segment_windows(features_dir: Path, prepared_dir: Path, side: str, summary: dict, length: int) -> np.ndarray:
    """musicnn's input for every segment of one prepared side, in its order: (n, length, mel_bands) float32."""
    settings = MusicnnInput()
    features_dir, prepared_dir = Path(features_dir), Path(prepared_dir)
    log_mels = np.load(features_dir / LOG_MEL_FILE, mmap_mode="r")  # (all frames, mel_bands)
    offsets = np.load(features_dir / OFFSETS_FILE)  # (clips + 1,)
    frame_range = {clip: (offsets[index], offsets[index + 1])
                   for index, clip in enumerate((features_dir / CLIPS_FILE).read_text().splitlines())}
    song_ids = load_song_ids(prepared_dir, side)
    positions_path = prepared_dir / side / "positions.npy"
    if song_ids is None or not positions_path.exists():
        raise UserError(f"{prepared_dir / side} does not say which clip each segment comes from: rerun prepare (dvc repro prepare)")
    clips = (prepared_dir / CLIPS_FILE).read_text().splitlines()
    frontend = summary["source"]["frontend"]
    segment_seconds = frontend["segment_frames"] * frontend["frame_step"] / frontend["sample_rate"]
    windows = np.empty((len(song_ids), length, settings.mel_bands), dtype=np.float32)
    for index, (song_id, position) in enumerate(zip(song_ids, np.load(positions_path))):
        if clips[song_id] not in frame_range:
            raise UserError(f"{features_dir} has no features of {clips[song_id]}: rerun its featurize stage (dvc repro)")
        first, end = frame_range[clips[song_id]]
        centre = (position + 0.5) * segment_seconds * settings.frames_per_second  # in frames
        windows[index] = window(log_mels[first:end], centre, length)
    return windows


def file_windows(audio: np.ndarray, *, segments: int, segment_seconds: float, length: int) -> np.ndarray:
    """musicnn's input for each of the first `segments` segments of one file, as segment_windows gives them
    for a prepared clip: audio (samples,) mono at MusicnnInput's sample rate -> (segments, length, mel_bands)."""
    settings = MusicnnInput()
    frames = log_mel(audio, settings)  # (frames, mel_bands)
    centres = (np.arange(segments) + 0.5) * segment_seconds * settings.frames_per_second
    return np.stack([window(frames, centre, length) for centre in centres])


def window_length(model: keras.Model) -> int | None:
    """The window length a saved model takes, in frames, if it is a probe of this module (its input is
    (frames, mel_bands) of musicnn's input); None for a model of log-mel segments (time, mel, channel)."""
    shape = tuple(model.input_shape[1:])
    return shape[0] if len(shape) == 2 and shape[1] == MusicnnInput().mel_bands else None


def window(log_mel_frames: np.ndarray, centre: float, length: int) -> np.ndarray:
    """The `length` frames of a clip's (frames, mel_bands) centred on frame `centre`, moved inside the clip at
    its ends; a clip shorter than `length` repeated to fill them."""
    if len(log_mel_frames) < length:
        return np.resize(log_mel_frames, (length, log_mel_frames.shape[1]))  # repeats the clip from its start
    start = int(np.clip(round(centre - length / 2), 0, len(log_mel_frames) - length))
    return np.asarray(log_mel_frames[start:start + length])


def embedding_model(config: ProbeConfig) -> keras.Model:
    """The frozen network: one window in, the embedding out (the config's parts, concatenated).

    TensorFloat-32 is turned off, so that a GPU that has it (NVIDIA's since Ampere) computes the network in
    float32 as the original did: with it, the pools drifted by 1e-3 of their scale (Keras on JAX, on an H200)."""
    tf.config.experimental.enable_tensor_float_32_execution(False)
    network = load_musicnn(config.checkpoint, patch_frames=config.window_frames)
    network.trainable = False
    parts = [network.output[part] for part in config.embedding]
    embedding = parts[0] if len(parts) == 1 else layers.Concatenate(name="embedding")(parts)
    return keras.Model(network.input, embedding, name=f"{config.checkpoint}_embedding")


def embed(*, name: str, config: ProbeConfig, features_dir: Path, prepared_dir: Path, out_dir: Path, summary: dict) -> None:
    """Every prepared segment's embedding, side by side, into out_dir/<side>.npy: (n, embedding size) float32.
    summary: the prepared data's summary.json, which names its sides."""
    model = embedding_model(config)
    with staged_directory(out_dir) as staging:
        for side in summary["counts"]:
            windows = segment_windows(features_dir, prepared_dir, side, summary, config.window_frames)
            print(f"Embedding the {len(windows):,} {side} segments with {name} ({config.checkpoint}) ...", flush=True)
            started = time.perf_counter()
            np.save(staging / f"{side}.npy", predict_in_batches(model, windows))
            seconds = time.perf_counter() - started
            print(f"  {len(windows) / seconds:.0f} windows per second", flush=True)


def predict_in_batches(model, inputs: np.ndarray) -> np.ndarray:
    """model's outputs for inputs, EMBED_BATCH_SIZE at a time, with progress lines."""
    starts = range(0, len(inputs), EMBED_BATCH_SIZE)
    outputs = [model.predict_on_batch(inputs[start:start + EMBED_BATCH_SIZE])
               for start in with_progress(starts, total=len(starts), verb="embedded", unit="batches")]
    return np.concatenate(outputs).astype(np.float32)


def build_probe(train_embeddings: np.ndarray, num_classes: int, *, hidden_units: int, dropout: float) -> keras.Model:
    """The probe, uncompiled: the embedding standardized with the training side's statistics, then a softmax
    layer (a logistic regression), or a hidden ReLU layer of hidden_units first."""
    inputs = keras.Input(shape=train_embeddings.shape[1:], name="embedding")
    normalize = layers.Normalization(name="standardize")
    normalize.adapt(train_embeddings)
    x = normalize(inputs)
    if hidden_units:
        x = layers.Dense(hidden_units, activation="relu", name="hidden")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="probe")


def train_probe(
    *,
    name: str,
    config: ProbeConfig,
    train_data: tuple[np.ndarray, np.ndarray],
    val_data: tuple[np.ndarray, np.ndarray],
    num_classes: int,
    seed: int,
    deterministic: bool,
    model_path: Path,
    live_dir: Path,
    data_description: str = "",
) -> dict:
    """Fit the probe on the training side's embeddings, keep the epoch of the best validation loss, save the
    frozen network with it to model_path (one window in, probabilities out), log with DVCLive; return the metrics."""
    import keras
    from gtzan.devices import seed_everything
    from gtzan.train import summarize_history

    seed_everything(seed, deterministic)
    keras.mixed_precision.set_global_policy("float32")
    probe = build_probe(train_data[0], num_classes, hidden_units=config.hidden_units, dropout=config.dropout)
    probe.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    trainable = int(sum(np.prod(weight.shape) for weight in probe.trainable_weights))
    print(f"Training {name}'s probe: {trainable:,} trainable parameters on {train_data[0].shape[1]}-number embeddings, "
          f"up to {config.epochs} epochs, {len(train_data[1]):,} training and {len(val_data[1]):,} validation segments", flush=True)
    timer = EpochTimer()
    # the selection: the weights of the epoch with the best validation loss (stopping early after a patience, if set)
    select = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.early_stopping_patience or config.epochs,
                                           restore_best_weights=True, verbose=1)
    callbacks = [timer, keras.callbacks.TerminateOnNaN(), select]
    with Live(dir=str(live_dir), dvcyaml=False, save_dvc_exp=False) as live:
        history = probe.fit(*train_data, validation_data=val_data, epochs=config.epochs, batch_size=config.batch_size,
                            shuffle=True, callbacks=[*callbacks, DVCLiveCallback(live=live)], verbose=2).history
        if not np.isfinite(history["loss"]).all():
            raise UserError(f"{name}'s probe diverged (its loss became {history['loss'][-1]}): lower transfer.{name}.learning_rate")
        model = windows_to_probabilities(embedding_model(config), probe, name)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        model.save(model_path)
        live.summary.update(
            summarize_history(history, trainable_parameters=trainable, epoch_seconds=timer.seconds, train_examples=len(train_data[1])),
            data=data_description,
            frozen_parameters=model.count_params() - probe.count_params(),
            # the saved probe's epoch: the best validation loss's, which best_epoch (the best accuracy's) may not be
            selected_epoch=select.best_epoch + 1,
            val_accuracy_selected=round(float(history["val_accuracy"][select.best_epoch]), 6),
        )
        return dict(live.summary)


def windows_to_probabilities(embedding: keras.Model, probe: keras.Model, name: str) -> keras.Model:
    """The saved model: the frozen network's embedding of one window, then the probe."""
    return keras.Model(embedding.input, probe(embedding.output), name=name)


class EpochTimer(keras.callbacks.Callback):
    """Each epoch's wall time, in seconds."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)
