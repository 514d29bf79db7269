"""Audio folders -> decoded clips (gtzan.audio) -> log-mel segments (gtzan.featurize): decoding, mixing, resampling, skipped clips."""

import numpy as np
import pytest
from conftest import load_audio_dataset, sine
import soundfile

from gtzan.audio import AudioError, find_clips, load_audio
from gtzan.featurize import audio_segments
from gtzan.frontend import FrontEnd, clip_to_segments

# 3 segments of 2 s (80 frames x 80 mel bins at 16 kHz): a full clip is 6 s.
SMALL = FrontEnd(segments_per_clip=3)
GENRE_HERTZ = {"blues": 300.0, "classical": 1000.0, "metal": 2500.0}


def write(path, audio, sample_rate, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, audio, sample_rate, **kwargs)
    return path


def peak_mel_bin(segments: np.ndarray) -> int:
    """The mel bin with the most energy, averaged over every frame of every segment."""
    return int(segments[..., 0].mean(axis=(0, 1)).argmax())


@pytest.fixture(scope="module")
def audio_root(tmp_path_factory):
    """<root>/<genre>/<clip>: WAV and AU clips, a stereo 44.1 kHz clip, short, corrupt and empty files."""
    root = tmp_path_factory.mktemp("genres_original")
    rate = SMALL.sample_rate
    for genre, hertz in GENRE_HERTZ.items():
        write(root / genre / f"{genre}.00000.wav", sine(hertz, 6.0, rate), rate)  # 3 segments
        write(root / genre / f"{genre}.00001.au", sine(hertz, 6.2, rate), rate, subtype="PCM_16")  # 3
    stereo = np.stack([sine(300.0, 6.0, 44100), sine(300.0, 6.0, 44100)], axis=1)  # (samples, 2)
    write(root / "blues" / "blues.00002.wav", stereo, 44100)  # 3
    write(root / "blues" / "blues.00003.wav", sine(300.0, 4.5, rate), rate)  # 2 segments
    write(root / "blues" / "blues.00004.wav", sine(300.0, 1.0, rate), rate)  # shorter than a segment
    write(root / "classical" / "classical.00002.AU", sine(1000.0, 9.0, 22050), 22050, format="AU", subtype="PCM_16")  # 3 (capped)
    (root / "classical" / "classical.00003.wav").write_bytes(np.random.default_rng(0).bytes(4000))  # corrupt
    (root / "classical" / "classical.00004.wav").write_bytes(b"")  # empty
    (root / "blues" / "notes.txt").write_text("not audio")
    (root / ".cache").mkdir()
    return root


@pytest.fixture
def dataset(audio_root, capsys):
    loaded = load_audio_dataset(audio_root, None, SMALL)
    return loaded, capsys.readouterr().out.splitlines()


def test_load_audio_mixes_stereo_to_mono_and_resamples(tmp_path):
    left, right = sine(1000.0, 3.0, 44100, amplitude=0.8), np.zeros(3 * 44100, dtype=np.float32)
    path = write(tmp_path / "stereo.wav", np.stack([left, right], axis=1), 44100)
    audio = load_audio(path, 16000)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - 3 * 16000) <= 1
    # the mean of a 0.8 sine and silence is a 0.4 sine: RMS 0.4 / sqrt(2)
    assert np.sqrt(np.mean(audio[1000:-1000] ** 2)) == pytest.approx(0.4 / np.sqrt(2), rel=0.01)
    resampled = audio_segments(audio, SMALL)
    native = audio_segments(sine(1000.0, 3.0, 16000), SMALL)
    assert peak_mel_bin(resampled) == peak_mel_bin(native)
    assert 20 < peak_mel_bin(native) < 60


def test_load_audio_reads_au_at_its_own_rate(tmp_path):
    path = write(tmp_path / "clip.au", sine(440.0, 2.0, 22050), 22050, subtype="PCM_16")
    assert abs(len(load_audio(path, 16000)) - 32000) <= 1
    assert len(load_audio(path, 22050)) == 44100


def test_unusable_files_raise_audio_error_naming_file_and_reason(tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(np.random.default_rng(1).bytes(1000))
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    no_frames = write(tmp_path / "no_frames.wav", np.zeros(0, dtype=np.float32), 16000)
    for path, reason in [
        (corrupt, "cannot be decoded"),
        (empty, "is empty"),
        (no_frames, "is empty"),
        (tmp_path / "missing.wav", "not found"),
    ]:
        with pytest.raises(AudioError, match=reason) as raised:
            load_audio(path, 16000)
        assert path.name in str(raised.value)
        assert isinstance(raised.value, ValueError)


def test_audio_segments_counts_full_segments_up_to_the_clip():
    rate = SMALL.sample_rate
    counts = {seconds: len(audio_segments(sine(440.0, seconds, rate), SMALL)) for seconds in (2.0, 4.5, 6.0, 9.0)}
    assert counts == {2.0: 1, 4.5: 2, 6.0: 3, 9.0: 3}
    assert audio_segments(sine(440.0, 9.0, rate), SMALL, max_segments=10).shape == (4, 80, 80, 1)


def test_a_full_clip_gives_the_training_front_ends_segments():
    clip = sine(700.0, 6.0, SMALL.sample_rate) + np.random.default_rng(2).normal(0, 0.05, 6 * 16000).astype(np.float32)
    segments = audio_segments(clip, SMALL)
    assert segments.dtype == np.float32
    np.testing.assert_array_equal(segments, clip_to_segments(clip, SMALL))


def test_audio_shorter_than_one_segment_is_refused_with_its_length():
    with pytest.raises(AudioError, match=r"1\.50 s long, shorter than one segment \(2 s\)"):
        audio_segments(sine(440.0, 1.5, SMALL.sample_rate), SMALL)


def test_find_clips_lists_audio_files_of_every_genre_folder(audio_root):
    clips = find_clips(audio_root)
    assert list(clips) == ["blues", "classical", "metal"]
    assert [path.name for path in clips["blues"]] == [f"blues.0000{i}.{'au' if i == 1 else 'wav'}" for i in range(5)]
    assert "classical.00002.AU" in [path.name for path in clips["classical"]]
    assert list(find_clips(audio_root, ["metal", "blues"])) == ["metal", "blues"]


def test_find_clips_refuses_missing_genres_and_folders(audio_root, tmp_path):
    with pytest.raises(ValueError, match=r"\['jazz'\] have no folder.*\['blues', 'classical', 'metal'\]"):
        find_clips(audio_root, ["blues", "jazz"])
    with pytest.raises(ValueError, match="not found"):
        find_clips(tmp_path / "nowhere")
    (tmp_path / "flat.wav").write_bytes(b"")
    with pytest.raises(ValueError, match="no genre folders"):
        find_clips(tmp_path)


def test_dataset_segments_labels_and_song_ids(dataset):
    data, _ = dataset
    assert data.genres == ("blues", "classical", "metal")
    assert data.songs == (
        "blues/blues.00000.wav",
        "blues/blues.00001.au",
        "blues/blues.00002.wav",
        "blues/blues.00003.wav",
        "classical/classical.00000.wav",
        "classical/classical.00001.au",
        "classical/classical.00002.AU",
        "metal/metal.00000.wav",
        "metal/metal.00001.au",
    )
    segments_per_song = [3, 3, 3, 2, 3, 3, 3, 3, 3]
    assert data.spectrograms.shape == (sum(segments_per_song), 80, 80, 1)
    assert data.spectrograms.dtype == np.float32
    assert data.song_ids.dtype == np.int32 and data.labels.dtype == np.int32
    np.testing.assert_array_equal(data.song_ids, np.repeat(np.arange(9), segments_per_song))
    np.testing.assert_array_equal(data.labels, np.repeat([0, 1, 2], [11, 9, 6]))


def test_every_clip_lands_in_its_genres_mel_bin(dataset):
    data, _ = dataset
    expected = {genre: peak_mel_bin(audio_segments(sine(hertz, 2.0, 16000), SMALL)) for genre, hertz in GENRE_HERTZ.items()}
    for song_id, song in enumerate(data.songs):
        assert peak_mel_bin(data.spectrograms[data.song_ids == song_id]) == expected[song.split("/")[0]], song


def test_unusable_clips_are_skipped_and_named(dataset):
    data, messages = dataset
    skipped = dict(data.skipped)
    assert sorted(skipped) == ["blues/blues.00004.wav", "classical/classical.00003.wav", "classical/classical.00004.wav"]
    assert "shorter than one segment" in skipped["blues/blues.00004.wav"]
    assert skipped["classical/classical.00003.wav"].startswith("cannot be decoded")
    assert skipped["classical/classical.00004.wav"].startswith("is empty")
    assert "skipped classical/classical.00003.wav: cannot be decoded: Format not recognised." in messages
    assert any(line.startswith("  decoded 12/12 clips (100%)") for line in messages)
    assert messages[-1].startswith("  cut 10/10 clips (100%)"), "the 10 decodable clips, cut into segments"


def test_a_genre_without_usable_clips_is_an_error(tmp_path):
    write(tmp_path / "blues" / "a.wav", sine(300.0, 2.0, 16000), 16000)
    (tmp_path / "rock").mkdir()
    (tmp_path / "rock" / "broken.wav").write_bytes(b"RIFF....")
    with pytest.raises(ValueError, match="genre 'rock' has no usable clip"):
        load_audio_dataset(tmp_path, None, SMALL)
    (tmp_path / "jazz").mkdir()
    with pytest.raises(ValueError, match=r"\['jazz'\].*hold no audio files"):
        load_audio_dataset(tmp_path, ["blues", "jazz"], SMALL)
