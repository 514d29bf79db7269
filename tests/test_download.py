"""The download stage's sources: the Drive format, the gdrive path with gdown substituted, a local folder."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import fake_segments, save_split

from gtzan.errors import UserError
from gtzan.audio import load_audio as load_audio_file
from gtzan.datasets import find_saved_datasets, identify_splits, load_decoded, load_split
from gtzan.download import GDRIVE_FOLDER_ID, fetch_raw_data


def tiny_split(count: int, seed: int = 0, one_hot: bool = False) -> tuple[np.ndarray, np.ndarray]:
    spectrograms, labels = fake_segments(count, seed)
    return spectrograms, (np.eye(8, dtype=np.float32)[labels] if one_hot else labels)


def write_drive_folder(root: Path, train_name: str, val_name: str, one_hot: bool = False) -> None:
    save_split(root / train_name, *tiny_split(24, seed=1, one_hot=one_hot))
    save_split(root / val_name, *tiny_split(8, seed=2, one_hot=one_hot))


def fetch(source: str, destination: Path, downloader=None) -> dict:
    kwargs = {"downloader": downloader} if downloader else {}
    return fetch_raw_data(
        source=source, destination=destination, seed=0, songs_per_genre=2, sample_rate=16000, **kwargs
    )


@pytest.mark.parametrize(
    ("train_name", "val_name"),
    [
        ("train", "val"),
        ("gtzan_training_data", "GTZAN-Validation"),
        ("nested/dir/train_ds", "valid_ds"),
        ("Training set", "Test"),
    ],
)
def test_splits_are_told_apart_by_name(tmp_path, train_name, val_name):
    write_drive_folder(tmp_path, train_name, val_name)
    splits = identify_splits(find_saved_datasets(tmp_path))
    assert splits == {"train": tmp_path / train_name, "val": tmp_path / val_name}


def test_splits_without_telling_names_are_told_apart_by_size(tmp_path):
    write_drive_folder(tmp_path, "part_b", "part_a")
    splits = identify_splits(find_saved_datasets(tmp_path))
    assert splits == {"train": tmp_path / "part_b", "val": tmp_path / "part_a"}


def test_a_folder_without_two_datasets_is_refused(tmp_path):
    save_split(tmp_path / "train", *tiny_split(4))
    with pytest.raises(ValueError, match="expected exactly 2 saved datasets.*found 1"):
        identify_splits(find_saved_datasets(tmp_path))


@pytest.mark.parametrize("one_hot", [False, True])
def test_load_split_reads_both_label_encodings(tmp_path, one_hot):
    spectrograms, labels = tiny_split(6, one_hot=one_hot)
    save_split(tmp_path / "train", spectrograms, labels)
    loaded_x, loaded_y, song_ids, spec = load_split(tmp_path / "train", "train")
    assert song_ids is None
    np.testing.assert_array_equal(loaded_x, spectrograms)
    np.testing.assert_array_equal(loaded_y, labels)
    assert spec.startswith("[80, 80, 1] float32")


def test_gdrive_source_with_the_downloader_substituted(tmp_path):
    calls = []

    def fake_gdown(folder_id, output):
        calls.append(folder_id)
        write_drive_folder(output / "GTZAN data", "train_dataset", "validation_dataset", one_hot=True)

    destination = tmp_path / "data" / "raw"
    info = fetch("gdrive", destination, downloader=fake_gdown)
    assert calls == [GDRIVE_FOLDER_ID]
    assert info == {"source": "gdrive", "folder_id": GDRIVE_FOLDER_ID}
    assert sorted(path.name for path in destination.iterdir()) == ["source.json", "train", "val"]
    assert json.loads((destination / "source.json").read_text()) == info
    assert len(load_split(destination / "train", "train")[1]) == 24
    assert [path.name for path in destination.parent.iterdir()] == ["raw"], "no staging directory left behind"


def test_gdrive_source_offline_fails_fast_with_the_alternatives(tmp_path):
    import requests

    def offline(folder_id, output):
        raise requests.exceptions.ConnectionError("Failed to resolve 'drive.google.com'")

    destination = tmp_path / "data" / "raw"
    with pytest.raises(UserError) as raised:
        fetch("gdrive", destination, downloader=offline)
    message = str(raised.value)
    assert "unreachable" in message and "synthetic" in message and "local path" in message
    assert not destination.exists()
    assert list(destination.parent.iterdir()) == [], "no staging directory left behind"


def test_a_partial_download_never_looks_complete(tmp_path):
    def interrupted(folder_id, output):
        save_split(output / "train", *tiny_split(8))
        (output / "val").mkdir()
        raise KeyboardInterrupt

    destination = tmp_path / "raw"
    with pytest.raises(KeyboardInterrupt):
        fetch("gdrive", destination, downloader=interrupted)
    assert list(tmp_path.iterdir()) == []


def test_a_download_missing_one_split_is_refused_and_leaves_the_old_data(tmp_path):
    def one_split_only(folder_id, output):
        save_split(output / "train", *tiny_split(8))

    destination = tmp_path / "raw"
    destination.mkdir()
    (destination / "old").write_text("previous data")
    with pytest.raises(UserError, match="found 1"):
        fetch("gdrive", destination, downloader=one_split_only)
    assert [path.name for path in tmp_path.iterdir()] == ["raw"]
    assert (destination / "old").read_text() == "previous data"


def test_local_directory_source(tmp_path):
    local = tmp_path / "downloaded by hand"
    write_drive_folder(local, "x_train", "x_test")
    destination = tmp_path / "raw"
    info = fetch(str(local), destination)
    assert info["source"] == "local"
    assert len(load_split(destination / "val", "val")[1]) == 8
    assert (local / "x_train").exists(), "the user's folder is copied, not moved"


def test_unknown_source_names_the_valid_ones(tmp_path):
    with pytest.raises(UserError, match="neither 'gdrive', 'synthetic' nor an existing directory"):
        fetch(str(tmp_path / "nowhere"), tmp_path / "raw")



def test_song_ids_travel_with_the_segments(tmp_path):
    spectrograms, labels = tiny_split(6)
    save_split(tmp_path / "train", spectrograms, labels, np.arange(6, dtype=np.int32) // 3)
    _, loaded_y, song_ids, spec = load_split(tmp_path / "train", "train")
    assert song_ids.tolist() == [0, 0, 0, 1, 1, 1] and spec.endswith("[] int32")


def test_an_audio_folder_is_decoded_unsplit_with_each_clips_name(tmp_path):
    import soundfile

    for genre, frequency in (("rock", 220.0), ("jazz", 880.0)):
        for song in range(5):
            seconds = np.arange(4 * 22050) / 22050
            audio = 0.3 * np.sin(2 * np.pi * (frequency + 10 * song) * seconds)
            (tmp_path / "audio" / genre).mkdir(parents=True, exist_ok=True)
            soundfile.write(tmp_path / "audio" / genre / f"{genre}.{song:05d}.wav", audio, 22050)
    (tmp_path / "audio" / "jazz" / "broken.wav").write_bytes(b"not audio")

    destination = tmp_path / "raw"
    info = fetch_raw_data(source=str(tmp_path / "audio"), destination=destination, seed=1, songs_per_genre=0,
                          sample_rate=16000, genres=["rock", "jazz"])
    assert info["source"] == "audio" and info["class_names"] == ["rock", "jazz"]
    assert info["skipped"][0]["clip"] == "jazz/broken.wav"
    assert sorted(path.name for path in destination.iterdir()) == ["audio", "source.json"], "features and split come later"
    decoded = load_decoded(destination / "audio")
    assert decoded.sample_rate == 16000 and decoded.labels.tolist() == [0] * 5 + [1] * 5
    assert decoded.names == [f"{genre}/{genre}.{song:05d}.wav" for genre in ("rock", "jazz") for song in range(5)]
    assert [len(decoded.clip(index)) for index in range(10)] == [4 * 16000] * 10, "resampled to 16 kHz"
    np.testing.assert_array_equal(decoded.clip(6), load_audio_file(tmp_path / "audio/jazz/jazz.00001.wav", 16000))
