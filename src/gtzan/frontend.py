"""The log-mel front-end: mono audio -> log-mel spectrogram in dB -> fixed-size segments.

    audio (samples,)  --STFT, |.|^2-->  power (frames, fft_bins)
                      --mel filterbank-->  mel power (frames, mel_bins)
                      --10 log10-->  log-mel in dB (frames, mel_bins)
                      --cut-->  segments (segments, segment_frames, mel_bins, 1)

With the defaults (16 kHz, hop 400 = 25 ms, 80 mel bins, 80 frames per segment)
a 30 s clip gives 15 segments of 2 s, each (80, 80, 1): (time, mel frequency, channel).
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import tensorflow as tf

from gtzan.errors import UserError, check_integer

# Power below this (-100 dB) is clipped, so silence maps to a finite floor.
POWER_FLOOR = 1e-10


@dataclass(frozen=True)
class FrontEnd:
    """Hyperparameters of the log-mel front-end (params.yaml `frontend:`); derived sizes are properties."""

    sample_rate: int = 16000
    frame_length: int = 1024
    frame_step: int = 400
    num_mel_bins: int = 80
    lower_edge_hertz: float = 20.0
    upper_edge_hertz: float = 8000.0
    segment_frames: int = 80
    segments_per_clip: int = 15

    def __post_init__(self):
        sizes = ("sample_rate", "frame_length", "frame_step", "num_mel_bins", "segment_frames", "segments_per_clip")
        for name in sizes:
            check_integer(f"FrontEnd.{name}", getattr(self, name))
        if self.lower_edge_hertz < 0:
            raise UserError(f"FrontEnd.lower_edge_hertz must be >= 0, got {self.lower_edge_hertz}")
        if self.upper_edge_hertz <= self.lower_edge_hertz:
            raise UserError(
                f"FrontEnd.upper_edge_hertz ({self.upper_edge_hertz}) must be above "
                f"lower_edge_hertz ({self.lower_edge_hertz})"
            )
        nyquist = self.sample_rate / 2
        if self.upper_edge_hertz > nyquist:
            raise UserError(
                f"FrontEnd.upper_edge_hertz ({self.upper_edge_hertz}) is above the Nyquist frequency "
                f"({nyquist}) of sample_rate {self.sample_rate}"
            )

    @property
    def fft_length(self) -> int:
        """The smallest power of two >= frame_length."""
        return 1 << (self.frame_length - 1).bit_length()

    @property
    def num_spectrogram_bins(self) -> int:
        return self.fft_length // 2 + 1

    @property
    def segment_samples(self) -> int:
        """Samples per segment (2 s with the defaults)."""
        return self.segment_frames * self.frame_step

    @property
    def clip_samples(self) -> int:
        """Samples per clip (30 s with the defaults)."""
        return self.segment_samples * self.segments_per_clip

    @property
    def segment_shape(self) -> tuple[int, int, int]:
        """(time, mel frequency, channel) of one segment."""
        return (self.segment_frames, self.num_mel_bins, 1)


@lru_cache(maxsize=8)
def mel_weight_matrix(frontend: FrontEnd) -> tf.Tensor:
    """The mel filterbank, (fft_bins, mel_bins) float32."""
    return tf.signal.linear_to_mel_weight_matrix(
        num_mel_bins=frontend.num_mel_bins,
        num_spectrogram_bins=frontend.num_spectrogram_bins,
        sample_rate=frontend.sample_rate,
        lower_edge_hertz=frontend.lower_edge_hertz,
        upper_edge_hertz=frontend.upper_edge_hertz,
        dtype=tf.float32,
    )


def _log_mel(audio: tf.Tensor, frontend: FrontEnd) -> tf.Tensor:
    """(..., samples) -> (..., frames, mel_bins) log-mel power in dB."""
    stft = tf.signal.stft(
        audio,
        frame_length=frontend.frame_length,
        frame_step=frontend.frame_step,
        fft_length=frontend.fft_length,
        window_fn=tf.signal.hann_window,
        pad_end=True,
    )  # (..., frames, fft_bins) complex64
    power = tf.math.square(tf.math.abs(stft))  # (..., frames, fft_bins)
    mel = tf.tensordot(power, mel_weight_matrix(frontend), axes=1)  # (..., frames, mel_bins)
    return 10.0 * tf.math.log(tf.maximum(mel, POWER_FLOOR)) / tf.math.log(10.0)


def clips_to_segments(clips: np.ndarray, frontend: FrontEnd) -> np.ndarray:
    """Clips (n, clip_samples) -> segments (n, segments_per_clip, segment_frames, mel_bins, 1) float32.

    Each clip's log-mel is cut into consecutive, non-overlapping segments.
    """
    clips = np.asarray(clips, dtype=np.float32)
    if clips.ndim != 2 or clips.shape[1] != frontend.clip_samples:
        raise ValueError(
            f"expected clips of shape (n, {frontend.clip_samples}) "
            f"({frontend.clip_samples} samples = {frontend.clip_samples / frontend.sample_rate:g} s each), "
            f"got shape {clips.shape}"
        )
    log_mel = _log_mel(tf.constant(clips), frontend).numpy()  # (n, frames, mel_bins)
    segments = log_mel.reshape(
        len(clips), frontend.segments_per_clip, frontend.segment_frames, frontend.num_mel_bins
    )  # (n, segments, segment_frames, mel_bins)
    return segments[..., np.newaxis]  # (n, segments, segment_frames, mel_bins, 1)


def clip_to_segments(audio: np.ndarray, frontend: FrontEnd) -> np.ndarray:
    """One mono clip (clip_samples,) -> segments (segments_per_clip, segment_frames, mel_bins, 1) float32."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"expected a mono clip of shape (samples,), got shape {audio.shape}")
    return clips_to_segments(audio[np.newaxis], frontend)[0]
