"""The featurize stage (gtzan.featurize): decoded audio -> the log-mel segments the download stage used to compute,
bit for bit; a clip shorter than one segment skipped and named; the Drive data copied as it is."""

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import soxr
from conftest import fake_segments, save_split

from gtzan.datasets import load_segments, read_source, save_audio
from gtzan.featurize import featurize_logmel
from gtzan.frontend import FrontEnd, clip_to_segments
from gtzan.synthetic import GENRES, render_synthetic_clips

FRONTEND = FrontEnd(segments_per_clip=2)  # 4 s clips at 16 kHz: two 2 s segments each
SETTINGS = dataclasses.asdict(FRONTEND)  # params.yaml's frontend: block, as the stage passes it
SEED = 3


def write_raw_audio(raw_dir: Path, clips: list[np.ndarray], labels: np.ndarray, names: list[str], sample_rate: int) -> Path:
    """data/raw/ as the download stage leaves the synthetic data: the decoded clips and a source.json."""
    save_audio(raw_dir / "audio", clips, labels, names, sample_rate)
    source = {"source": "synthetic", "seed": SEED, "songs_per_genre": 2, "class_names": list(GENRES)}
    (raw_dir / "source.json").write_text(json.dumps(source))
    return raw_dir


def synthetic_clips(sample_rate: int = 16000) -> tuple[list[np.ndarray], np.ndarray, list[str]]:
    """16 songs (2 per genre) of 4 s."""
    return render_synthetic_clips(songs_per_genre=2, seed=SEED, sample_rate=sample_rate, num_samples=4 * sample_rate)


def digest(directory: Path) -> dict[str, str]:
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def test_the_segments_are_the_front_ends_of_each_clip_bit_for_bit(tmp_path):
    """The same segments as the download stage computed before featurize existed (clip_to_segments of each clip),
    with their labels, song ids and clip names."""
    clips, labels, names = synthetic_clips()
    raw = write_raw_audio(tmp_path / "raw", clips, labels, names, 16000)
    source = featurize_logmel(raw_dir=raw, out_dir=tmp_path / "features", frontend_settings=SETTINGS)

    spectrograms, segment_labels, song_ids, clip_names = load_segments(tmp_path / "features" / "segments")
    expected = np.concatenate([clip_to_segments(clip, FRONTEND) for clip in clips])  # (32, 80, 80, 1)
    assert spectrograms.shape == (32, 80, 80, 1) and spectrograms.dtype == np.float32
    np.testing.assert_array_equal(spectrograms, expected)
    assert segment_labels.tolist() == np.repeat(labels, 2).tolist()
    assert song_ids.tolist() == np.repeat(np.arange(16), 2).tolist()
    assert clip_names == names and clip_names[2] == "classical/classical.00000.wav"
    assert source == read_source(tmp_path / "features")
    assert source["frontend"] == SETTINGS and source["skipped"] == []
    assert source["class_names"] == list(GENRES) and source["source"] == "synthetic"
    assert sorted(path.name for path in (tmp_path / "features").iterdir()) == ["segments", "source.json"]


def test_a_clip_shorter_than_one_segment_is_skipped_and_named(tmp_path):
    """1.5 s (under one 2 s segment) is skipped; 3 s gives one segment; the song ids of the others stay consecutive."""
    clips, labels, names = synthetic_clips()
    clips[3] = clips[3][:24000]  # classical.00001: 1.5 s
    clips[5] = clips[5][:48000]  # country.00001: 3 s, one segment
    raw = write_raw_audio(tmp_path / "raw", clips, labels, names, 16000)
    source = featurize_logmel(raw_dir=raw, out_dir=tmp_path / "features", frontend_settings=SETTINGS)

    assert [entry["clip"] for entry in source["skipped"]] == ["classical/classical.00001.wav"]
    assert "1.50 s long, shorter than one segment (2 s)" in source["skipped"][0]["reason"]
    spectrograms, segment_labels, song_ids, clip_names = load_segments(tmp_path / "features" / "segments")
    assert clip_names == names[:3] + names[4:]
    assert song_ids.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, *np.repeat(np.arange(5, 15), 2)]
    assert segment_labels.tolist() == [labels[names.index(clip_names[song])] for song in song_ids]
    np.testing.assert_array_equal(spectrograms[6:8], clip_to_segments(clips[4], FRONTEND))
    one_segment = dataclasses.replace(FRONTEND, segments_per_clip=1)
    np.testing.assert_array_equal(spectrograms[8], clip_to_segments(clips[5][:32000], one_segment)[0])  # the first 2 s
    np.testing.assert_array_equal(spectrograms[9:11], clip_to_segments(clips[6], FRONTEND))


def test_the_drive_data_is_copied_as_it_is(tmp_path):
    raw = tmp_path / "raw"
    save_split(raw / "train", *fake_segments(12, seed=1))
    save_split(raw / "val", *fake_segments(4, seed=2))
    (raw / "source.json").write_text(json.dumps({"source": "gdrive"}))
    source = featurize_logmel(raw_dir=raw, out_dir=tmp_path / "features", frontend_settings=SETTINGS)

    assert source == {"source": "gdrive"} == read_source(tmp_path / "features"), "no front-end computed these"
    copied = digest(tmp_path / "features")
    assert copied.pop("source.json")
    assert copied == {name: value for name, value in digest(raw).items() if name != "source.json"}
    assert any(name.startswith("train/") for name in copied) and any(name.startswith("val/") for name in copied)


def test_audio_at_another_rate_is_resampled_to_the_front_ends(tmp_path):
    """Clips decoded at 22,050 Hz give the segments of the clips resampled to 16 kHz with soxr."""
    clips, labels, names = synthetic_clips(sample_rate=22050)
    raw = write_raw_audio(tmp_path / "raw", clips, labels, names, 22050)
    featurize_logmel(raw_dir=raw, out_dir=tmp_path / "features", frontend_settings=SETTINGS)

    spectrograms, _, song_ids, _ = load_segments(tmp_path / "features" / "segments")
    resampled = [soxr.resample(clip, 22050, 16000) for clip in clips]
    assert {len(clip) for clip in resampled} == {FRONTEND.clip_samples}
    np.testing.assert_array_equal(spectrograms, np.concatenate([clip_to_segments(clip, FRONTEND) for clip in resampled]))
    assert song_ids.tolist() == np.repeat(np.arange(16), 2).tolist()
