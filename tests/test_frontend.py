"""The log-mel front-end: where known signals land, shapes, and refused input."""

import numpy as np
import pytest

from gtzan.frontend import FLOOR_DB, FrontEnd, clip_to_segments, clips_to_segments, log_mel_spectrogram

# 2 segments of 10 frames: a 0.5 s clip at 16 kHz, same STFT and mel settings as the defaults.
TINY = FrontEnd(segment_frames=10, segments_per_clip=2)


def sine(frequency: float, frontend: FrontEnd, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(frontend.clip_samples) / frontend.sample_rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)  # (clip_samples,)


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
    log_mel = log_mel_spectrogram(sine(frequency, TINY), TINY)  # (frames, mel_bins)
    expected = expected_mel_bin(frequency, TINY)
    assert 0 < expected < TINY.num_mel_bins - 1
    np.testing.assert_array_equal(log_mel.argmax(axis=1), np.full(len(log_mel), expected))


def test_higher_frequencies_land_in_higher_mel_bins():
    peaks = [log_mel_spectrogram(sine(f, TINY), TINY)[5].argmax() for f in (200, 400, 800, 1600, 3200, 6400)]
    assert peaks == sorted(peaks) and len(set(peaks)) == len(peaks)


def test_a_full_scale_sine_is_loud_and_far_bins_are_quiet():
    log_mel = log_mel_spectrogram(sine(1000.0, TINY, amplitude=1.0), TINY)  # (frames, mel_bins)
    # Hann-windowed unit sine: |X| = 1024 / 4 = 256 at the peak, 20 log10(256) = 48 dB.
    assert 40.0 < log_mel[5].max() < 50.0
    assert log_mel[5, expected_mel_bin(6000.0, TINY)] < log_mel[5].max() - 60.0


def test_doubling_the_amplitude_adds_6_db():
    quiet = log_mel_spectrogram(sine(1000.0, TINY, amplitude=0.25), TINY)
    loud = log_mel_spectrogram(sine(1000.0, TINY, amplitude=0.5), TINY)
    peak = expected_mel_bin(1000.0, TINY)
    np.testing.assert_allclose(loud[:, peak] - quiet[:, peak], 20 * np.log10(2), atol=0.01)


def test_silence_gives_the_floor():
    log_mel = log_mel_spectrogram(np.zeros(TINY.clip_samples, dtype=np.float32), TINY)
    assert FLOOR_DB == pytest.approx(-100.0)
    np.testing.assert_allclose(log_mel, FLOOR_DB, atol=1e-4)


def test_log_mel_shape_and_dtype():
    log_mel = log_mel_spectrogram(sine(440.0, TINY), TINY)
    assert log_mel.shape == (TINY.segments_per_clip * TINY.segment_frames, TINY.num_mel_bins)
    assert log_mel.dtype == np.float32
    # The end is zero-padded to whole frames: ceil(samples / frame_step) frames.
    assert log_mel_spectrogram(np.ones(1001, dtype=np.float64), TINY).shape == (3, TINY.num_mel_bins)


def test_segments_are_consecutive_slices_of_the_log_mel():
    audio = np.random.default_rng(0).normal(0, 0.1, TINY.clip_samples).astype(np.float32)
    segments = clip_to_segments(audio, TINY)
    assert segments.shape == (2, 10, 80, 1) and segments.dtype == np.float32
    log_mel = log_mel_spectrogram(audio, TINY)  # (20, 80)
    np.testing.assert_allclose(segments[0, :, :, 0], log_mel[:10], atol=1e-4)
    np.testing.assert_allclose(segments[1, :, :, 0], log_mel[10:], atol=1e-4)


def test_a_default_clip_gives_15_segments_of_80_by_80():
    segments = clip_to_segments(sine(440.0, FrontEnd()), FrontEnd())
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
    with pytest.raises(ValueError, match=rf"{TINY.clip_samples} samples.*\({num_samples},\)"):
        clip_to_segments(np.zeros(num_samples, dtype=np.float32), TINY)


def test_stereo_is_refused():
    with pytest.raises(ValueError, match="mono"):
        clip_to_segments(np.zeros((TINY.clip_samples, 2), dtype=np.float32), TINY)
    with pytest.raises(ValueError, match="mono"):
        log_mel_spectrogram(np.zeros((2, 100), dtype=np.float32), TINY)


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
