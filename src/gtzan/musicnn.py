"""musicnn (Pons & Serra, 2019, ISC license), ported to Keras 3 with its pretrained weights.

The weights are the TF1 checkpoints that ship inside the `musicnn` wheel (MSD_musicnn: trained on the
Million Song Dataset, MTT_musicnn: on MagnaTagATune; 50 tags each); only their files are used.

    audio (samples,) at 16 kHz  --log_mel-->  (frames, 96)  --cut-->  patches (187, 96), 3 s each
    patch  --front-end-->  (187, 561)  --mid-end-->  (187, 753)  --back-end-->  tag logits (50,)

build_musicnn is the network of musicnn/models.py (build_musicnn); tests/test_musicnn.py checks that it
reproduces the original TF1 graph's outputs, and that log_mel reproduces librosa's.
"""

import importlib.resources
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gtzan.errors import UserError, check_integer

CHECKPOINTS = ("MSD_musicnn", "MTT_musicnn")
VARIABLE_KINDS = ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance")  # not Adam's slots
CONV_BLOCKS = ("timbral_74", "timbral_77", "temporal_128", "temporal_64", "temporal_32", "midend_1", "midend_2", "midend_3")


@dataclass(frozen=True)
class MusicnnInput:
    """musicnn's own input representation, computed in float32: 16 kHz mono, a 512-point FFT (periodic
    Hann window, centred frames, zero padding) every 256 samples, power through 96 mel bands of librosa's
    Slaney filterbank, compressed as log10(1 + 10000 x), cut into patches of 187 frames (3 s)."""

    sample_rate: int = 16000
    fft_size: int = 512
    hop: int = 256
    mel_bands: int = 96
    patch_frames: int = 187

    def __post_init__(self):
        for name in ("sample_rate", "fft_size", "hop", "mel_bands", "patch_frames"):
            check_integer(f"MusicnnInput.{name}", getattr(self, name))

    @property
    def fft_bins(self) -> int:
        return self.fft_size // 2 + 1

    @property
    def frames_per_second(self) -> float:
        return self.sample_rate / self.hop

    @property
    def patch_seconds(self) -> float:
        """Seconds of audio per patch (2.992 s with the defaults)."""
        return self.patch_frames / self.frames_per_second


def _hz_to_mel(hertz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's htk=False): linear below 1 kHz, logarithmic above."""
    linear = hertz / (200.0 / 3)
    logarithmic = 15.0 + np.log(np.maximum(hertz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hertz >= 1000.0, logarithmic, linear)


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    linear = mels * (200.0 / 3)
    logarithmic = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mels - 15.0))
    return np.where(mels >= 15.0, logarithmic, linear)


def mel_filterbank(settings: MusicnnInput) -> np.ndarray:
    """(fft_bins, mel_bands) float32: librosa.filters.mel's defaults (Slaney scale and area norm, 0 Hz
    to Nyquist), transposed."""
    bin_hertz = np.fft.rfftfreq(settings.fft_size, d=1 / settings.sample_rate)  # (fft_bins,)
    edges = _mel_to_hz(np.linspace(0, _hz_to_mel(np.float64(settings.sample_rate / 2)), settings.mel_bands + 2))
    widths = np.diff(edges)  # (mel_bands + 1,)
    ramps = edges[:, np.newaxis] - bin_hertz  # (mel_bands + 2, fft_bins)
    rising = -ramps[:-2] / widths[:-1, np.newaxis]  # (mel_bands, fft_bins)
    falling = ramps[2:] / widths[1:, np.newaxis]
    triangles = np.maximum(0, np.minimum(rising, falling)).astype(np.float32)
    area_norm = 2.0 / (edges[2:] - edges[:-2])  # (mel_bands,)
    return (triangles * area_norm[:, np.newaxis]).astype(np.float32).T


def log_mel(audio: np.ndarray, settings: MusicnnInput = MusicnnInput()) -> np.ndarray:
    """Mono audio (samples,) at settings.sample_rate -> (1 + samples // hop, mel_bands) float32.

    librosa.feature.melspectrogram's defaults, then log10(1 + 10000 x), all in float32. (musicnn's own
    extractor casts the mel power to float16 first, which overflows to inf on loud music.)
    """
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise UserError(f"expected mono audio of shape (samples,), got shape {audio.shape}")
    padded = np.pad(audio, settings.fft_size // 2)  # (samples + fft_size,)
    frames = np.lib.stride_tricks.sliding_window_view(padded, settings.fft_size)[:: settings.hop]  # (frames, fft_size)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(settings.fft_size) / settings.fft_size)).astype(np.float32)
    spectrum = np.fft.rfft(frames * window, axis=-1)  # (frames, fft_bins) complex64
    power = np.square(spectrum.real) + np.square(spectrum.imag)  # (frames, fft_bins)
    mel = power @ mel_filterbank(settings)  # (frames, mel_bands)
    return np.log10(np.float32(1) + np.float32(10000) * mel)


def checkpoint_prefix(checkpoint: str = "MSD_musicnn") -> str:
    """The checkpoint's prefix, "<site-packages>/musicnn/<checkpoint>/": its files are named ".index" etc."""
    if checkpoint not in CHECKPOINTS:
        raise UserError(f"unknown musicnn checkpoint '{checkpoint}'; valid names are {list(CHECKPOINTS)}")
    return str(importlib.resources.files("musicnn") / checkpoint) + "/"


def read_checkpoint(checkpoint: str = "MSD_musicnn") -> dict[str, np.ndarray]:
    """The model's 64 variables by TF1 name, e.g. "conv2d_5/kernel" (7, 561, 1, 64)."""
    reader = tf.compat.v1.train.NewCheckpointReader(checkpoint_prefix(checkpoint))
    names = [name for name in reader.get_variable_to_shape_map() if name.split("/")[-1] in VARIABLE_KINDS]
    return {name: reader.get_tensor(name) for name in sorted(names)}


def _checkpoint_scopes() -> dict[str, str]:
    """Keras layer name -> the checkpoint's variable scope, which tf.compat.v1.layers numbered in creation order."""
    scopes = {"input_norm": "batch_normalization"}
    for index, block in enumerate(CONV_BLOCKS):
        scopes[f"{block}_conv"] = "conv2d" + (f"_{index}" if index else "")
        scopes[f"{block}_norm"] = f"batch_normalization_{index + 1}"
    scopes.update(pooled_norm="batch_normalization_9", backend_dense="dense", penultimate="batch_normalization_10", logits="dense_1")
    return scopes


def _frequency_pooled_block(x, filters: int, kernel_size: tuple[int, int], padding: str, name: str):
    """Conv2D + relu, batch norm, max over all frequencies: (time', mel, 1) -> (time, filters)."""
    x = layers.Conv2D(filters, kernel_size, padding=padding, activation="relu", name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_norm")(x)  # (time, frequencies, filters)
    x = layers.MaxPooling2D(pool_size=(1, x.shape[2]), name=f"{name}_pool")(x)  # (time, 1, filters)
    return layers.Reshape((-1, filters), name=name)(x)


def _midend_block(x, filters: int, name: str):
    """Conv1D 7 over (time, channels) + relu, batch norm: the original's conv2d of kernel (7, channels)
    over its time-padded [3, 3] input, valid, which is "same" padding."""
    x = layers.Conv1D(filters, 7, padding="same", activation="relu", name=f"{name}_conv")(x)
    return layers.BatchNormalization(name=f"{name}_norm")(x)


def build_musicnn(
    patch_frames: int = 187,
    *,
    mel_bands: int = 96,
    num_tags: int = 50,
    frontend_filters: float = 1.6,
    midend_filters: int = 64,
    backend_units: int = 200,
) -> keras.Model:
    """musicnn on one log-mel patch (patch_frames, mel_bands) -> {"logits": (num_tags,), "mean_pool": (753,),
    "max_pool": (753,), "penultimate": (backend_units,)}, as musicnn/models.py's build_musicnn.

    Front-end: timbral blocks 7x38 and 7x67 (int(frontend_filters * 128) = 204 filters each) and temporal
    blocks 128x1, 64x1, 32x1 (51 filters each), each pooled over frequency  # (time, 561)
    Mid-end: three conv layers of midend_filters, the 2nd and 3rd residual, densely concatenated  # (time, 753)
    Back-end: max and mean over time, interleaved [max0, mean0, max1, ...] as the original's flatten of
    their stack  # (1506,); batch norm, dropout, dense relu, batch norm (penultimate), dropout, dense (logits).
    """
    check_integer("patch_frames", patch_frames)
    check_integer("mel_bands", mel_bands, minimum=3)  # the timbral filters span int(0.4 * mel_bands) of them
    timbral_filters, temporal_filters = int(frontend_filters * 128), int(frontend_filters * 32)

    inputs = keras.Input(shape=(patch_frames, mel_bands), name="log_mel")
    x = layers.Reshape((patch_frames, mel_bands, 1), name="add_channel")(inputs)
    normalized = layers.BatchNormalization(name="input_norm")(x)  # (time, mel, 1)
    time_padded = layers.ZeroPadding2D(padding=((3, 3), (0, 0)), name="time_padding")(normalized)  # (time + 6, mel, 1)
    frontend = [
        _frequency_pooled_block(time_padded, timbral_filters, (7, int(0.4 * mel_bands)), "valid", "timbral_74"),
        _frequency_pooled_block(time_padded, timbral_filters, (7, int(0.7 * mel_bands)), "valid", "timbral_77"),
        _frequency_pooled_block(normalized, temporal_filters, (128, 1), "same", "temporal_128"),
        _frequency_pooled_block(normalized, temporal_filters, (64, 1), "same", "temporal_64"),
        _frequency_pooled_block(normalized, temporal_filters, (32, 1), "same", "temporal_32"),
    ]
    frontend = layers.Concatenate(name="frontend")(frontend)  # (time, 561)

    cnn1 = _midend_block(frontend, midend_filters, "midend_1")
    cnn2 = layers.Add(name="midend_2")([_midend_block(cnn1, midend_filters, "midend_2"), cnn1])
    cnn3 = layers.Add(name="midend_3")([_midend_block(cnn2, midend_filters, "midend_3"), cnn2])
    midend = layers.Concatenate(name="midend")([frontend, cnn1, cnn2, cnn3])  # (time, 753)

    max_pool = layers.GlobalMaxPooling1D(name="max_pool")(midend)  # (753,)
    mean_pool = layers.GlobalAveragePooling1D(name="mean_pool")(midend)  # (753,)
    columns = [layers.Reshape((-1, 1), name=f"{pool.name}_column")(pool) for pool in (max_pool, mean_pool)]
    x = layers.Concatenate(name="pools")(columns)  # (753, 2)
    x = layers.Flatten(name="pools_interleaved")(x)  # (1506,)
    x = layers.BatchNormalization(name="pooled_norm")(x)
    x = layers.Dropout(0.5, name="pooled_dropout")(x)
    x = layers.Dense(backend_units, activation="relu", name="backend_dense")(x)
    penultimate = layers.BatchNormalization(name="penultimate")(x)
    x = layers.Dropout(0.5, name="penultimate_dropout")(penultimate)
    logits = layers.Dense(num_tags, name="logits")(x)
    outputs = {"logits": logits, "mean_pool": mean_pool, "max_pool": max_pool, "penultimate": penultimate}
    return keras.Model(inputs=inputs, outputs=outputs, name="musicnn")


def load_musicnn(checkpoint: str = "MSD_musicnn", patch_frames: int = 187) -> keras.Model:
    """build_musicnn with the checkpoint's weights; the mid-end's conv2d kernels (7, channels, 1, filters)
    are the Conv1D kernels (7, channels, filters)."""
    variables = read_checkpoint(checkpoint)
    model = build_musicnn(patch_frames)
    for layer_name, scope in _checkpoint_scopes().items():
        layer = model.get_layer(layer_name)
        layer.set_weights([variables[f"{scope}/{weight.name}"].reshape(weight.shape) for weight in layer.weights])
    return model
