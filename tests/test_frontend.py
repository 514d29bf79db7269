"""The log-mel front-end: where known signals land, shapes, and refused input."""

import numpy as np
import pytest
from conftest import sine

from gtzan.frontend import POWER_FLOOR, FrontEnd, clip_to_segments, clips_to_segments

# 2 segments of 10 frames: a 0.5 s clip at 16 kHz, same STFT and mel settings as the defaults.
TINY = FrontEnd(segment_frames=10, segments_per_clip=2)
TINY_SECONDS = TINY.clip_samples / TINY.sample_rate


def log_mel(audio: np.ndarray) -> np.ndarray:
    """A TINY clip's log-mel frames, (frames, mel_bins), through the front-end's segmentation."""
    return clip_to_segments(audio, TINY).reshape(-1, TINY.num_mel_bins)


def hertz_to_mel(hertz):
    """The HTK mel scale, the one tf.signal.linear_to_mel_weight_matrix uses."""
    return 1127.0 * np.log1p(np.asarray(hertz) / 700.0)


def expected_mel_bin(frequency: float, frontend: FrontEnd) -> int:
    """The mel band whose centre is nearest to frequency on the mel scale."""
    edges = np.linspace(
        hertz_to_mel(frontend.lower_edge_hertz), hertz_to_mel(frontend.upper_edge_hertz), frontend.num_mel_bins + 2
    )
    centres = edges[1:-1]  # (mel_bins,)
    return int(np.argmin(np.abs(centres - hertz_to_mel(frequency))))


def test_defaults_give_2_s_segments_and_30_s_clips():
    frontend = FrontEnd()
    assert frontend.fft_length == 1024
    assert frontend.segment_samples == 32000  # 2 s at 16 kHz
    assert frontend.clip_samples == 480000  # 30 s at 16 kHz
    assert frontend.segment_shape == (80, 80, 1)


def test_fft_length_is_the_next_power_of_two():
    assert FrontEnd(frame_length=1000).fft_length == 1024
    assert FrontEnd(frame_length=1025).fft_length == 2048
    assert FrontEnd(frame_length=512).fft_length == 512


@pytest.mark.parametrize("frequency", [300.0, 1000.0, 2500.0, 6000.0])
def test_a_sine_peaks_in_its_mel_bin_in_every_frame(frequency):
    spectrogram = log_mel(sine(frequency, TINY_SECONDS, TINY.sample_rate))  # (frames, mel_bins)
    expected = expected_mel_bin(frequency, TINY)
    assert 0 < expected < TINY.num_mel_bins - 1
    np.testing.assert_array_equal(spectrogram.argmax(axis=1), np.full(len(spectrogram), expected))


def test_higher_frequencies_land_in_higher_mel_bins():
    peaks = [log_mel(sine(f, TINY_SECONDS, TINY.sample_rate))[5].argmax() for f in (200, 400, 800, 1600, 3200, 6400)]
    assert peaks == sorted(peaks) and len(set(peaks)) == len(peaks)


def test_a_full_scale_sine_is_loud_and_far_bins_are_quiet():
    spectrogram = log_mel(sine(1000.0, TINY_SECONDS, TINY.sample_rate, amplitude=1.0))  # (frames, mel_bins)
    # Hann-windowed unit sine: |X| = 1024 / 4 = 256 at the peak, 20 log10(256) = 48 dB.
    assert 40.0 < spectrogram[5].max() < 50.0
    assert spectrogram[5, expected_mel_bin(6000.0, TINY)] < spectrogram[5].max() - 60.0


def test_doubling_the_amplitude_adds_6_db():
    quiet = log_mel(sine(1000.0, TINY_SECONDS, TINY.sample_rate, amplitude=0.25))
    loud = log_mel(sine(1000.0, TINY_SECONDS, TINY.sample_rate, amplitude=0.5))
    peak = expected_mel_bin(1000.0, TINY)
    np.testing.assert_allclose(loud[:, peak] - quiet[:, peak], 20 * np.log10(2), atol=0.01)


def test_silence_gives_the_floor():
    np.testing.assert_allclose(log_mel(np.zeros(TINY.clip_samples, dtype=np.float32)), 10 * np.log10(POWER_FLOOR), atol=1e-4)
    assert 10 * np.log10(POWER_FLOOR) == pytest.approx(-100.0)


def test_segments_are_consecutive_in_time():
    # the first half of the clip is a 300 Hz sine, the second a 3 kHz one: one per segment
    halves = np.split(np.arange(TINY.clip_samples) / TINY.sample_rate, 2)
    audio = np.concatenate([0.5 * np.sin(2 * np.pi * 300.0 * halves[0]), 0.5 * np.sin(2 * np.pi * 3000.0 * halves[1])])
    segments = clip_to_segments(audio.astype(np.float32), TINY)
    assert segments.shape == (2, 10, 80, 1) and segments.dtype == np.float32
    assert segments[0, 2:-2, :, 0].argmax(axis=1).tolist() == [expected_mel_bin(300.0, TINY)] * 6
    assert segments[1, 2:-2, :, 0].argmax(axis=1).tolist() == [expected_mel_bin(3000.0, TINY)] * 6


def test_a_default_clip_gives_15_segments_of_80_by_80():
    segments = clip_to_segments(sine(440.0, 30.0, 16000), FrontEnd())
    assert segments.shape == (15, 80, 80, 1) and segments.dtype == np.float32
    assert np.isfinite(segments).all()


def test_batched_segments_match_one_clip_at_a_time():
    rng = np.random.default_rng(1)
    clips = rng.normal(0, 0.1, size=(3, TINY.clip_samples)).astype(np.float32)
    batched = clips_to_segments(clips, TINY)
    assert batched.shape == (3, 2, 10, 80, 1)
    for clip, segments in zip(clips, batched):
        np.testing.assert_allclose(segments, clip_to_segments(clip, TINY), atol=1e-3)


@pytest.mark.parametrize("num_samples", [TINY.clip_samples - 1, TINY.clip_samples + 400, 0])
def test_a_clip_of_the_wrong_length_is_refused(num_samples):
    with pytest.raises(ValueError, match=rf"{TINY.clip_samples} samples.*\(1, {num_samples}\)"):
        clip_to_segments(np.zeros(num_samples, dtype=np.float32), TINY)


def test_stereo_is_refused():
    with pytest.raises(ValueError, match="mono"):
        clip_to_segments(np.zeros((TINY.clip_samples, 2), dtype=np.float32), TINY)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"upper_edge_hertz": 9000.0}, "above the Nyquist frequency"),
        ({"lower_edge_hertz": 8000.0}, "must be above lower_edge_hertz"),
        ({"lower_edge_hertz": -1.0}, "lower_edge_hertz must be >= 0"),
        ({"frame_step": 0}, "frame_step must be a positive integer"),
        ({"segment_frames": -80}, "segment_frames must be a positive integer"),
        ({"num_mel_bins": 80.5}, "num_mel_bins must be a positive integer"),
        ({"sample_rate": 8000}, "above the Nyquist frequency"),
    ],
)
def test_an_invalid_frontend_is_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        FrontEnd(**settings)
