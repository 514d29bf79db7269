"""The prepare stage: validation of every bad input, canonical form, reproducible bytes."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import fake_segments, save_split

from gtzan.datasets import save_segments
from gtzan.errors import UserError
from gtzan.prepare import prepare_data
from gtzan.prepared import load_prepared, load_song_ids, load_summary

NUM_CLASSES = 8


def write_raw(raw_dir: Path, train=None, val=None, source: dict | None = None) -> Path:
    save_split(raw_dir / "train", *(train or fake_segments(16, seed=1)))
    save_split(raw_dir / "val", *(val or fake_segments(8, seed=2)))
    (raw_dir / "source.json").write_text(json.dumps(source or {"source": "test"}))
    return raw_dir


def prepare(tmp_path: Path, **splits) -> dict:
    raw = write_raw(tmp_path / "raw", **splits)
    return prepare_data(features_dir=raw, out_dir=tmp_path / "prepared", num_classes=NUM_CLASSES)


def digest(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_canonical_form_and_summary(tmp_path):
    summary = prepare(tmp_path)
    spectrograms, labels = load_prepared(tmp_path / "prepared", "train")
    assert spectrograms.shape == (16, 80, 80, 1) and spectrograms.dtype == np.float32
    assert labels.dtype == np.int32 and labels.tolist() == (np.arange(16) % 8).tolist()
    assert summary == load_summary(tmp_path / "prepared")
    assert summary["counts"]["train"] == {"total": 16, "per_class": [2] * 8}
    assert summary["counts"]["val"] == {"total": 8, "per_class": [1] * 8}
    assert summary["source"] == {"source": "test"}
    assert summary["class_names"] == [str(index) for index in range(8)]
    assert summary["element_spec"]["train"] == "[80, 80, 1] float32, [] int64"
    assert summary["song_ids"] is False and load_song_ids(tmp_path / "prepared", "train") is None
    assert summary["protocol"]["description"] == "the data's own split: 16 train, 8 validation segments"


def test_segments_take_the_shape_of_the_front_end_that_computed_them(tmp_path):
    """-S frontend.num_mel_bins=64 gives (80, 64, 1) segments, which prepare accepts; the Drive data keeps (80, 80, 1)."""
    source = {"source": "synthetic", "frontend": {"segment_frames": 80, "num_mel_bins": 64}}
    narrow = [(split[0][:, :, :64], split[1]) for split in (fake_segments(16, seed=1), fake_segments(8, seed=2))]
    raw = write_raw(tmp_path / "raw", *narrow, source=source)
    prepare_data(features_dir=raw, out_dir=tmp_path / "prepared", num_classes=NUM_CLASSES)
    assert load_prepared(tmp_path / "prepared", "train")[0].shape == (16, 80, 64, 1)
    wide = write_raw(tmp_path / "wide", source=source)
    with pytest.raises(ValueError, match=r"side 'train': element shape \(80, 80, 1\) where \(80, 64, 1\)"):
        prepare_data(features_dir=wide, out_dir=tmp_path / "prepared_wide", num_classes=NUM_CLASSES)


def test_song_ids_are_carried_through(tmp_path):
    raw = tmp_path / "raw"
    for split, count in (("train", 16), ("val", 8)):
        save_split(raw / split, *fake_segments(count, seed=1), np.arange(count, dtype=np.int32) // 2)
    (raw / "source.json").write_text(json.dumps({"source": "synthetic"}))
    summary = prepare_data(features_dir=raw, out_dir=tmp_path / "prepared", num_classes=NUM_CLASSES)
    assert summary["song_ids"] is True
    assert load_song_ids(tmp_path / "prepared", "val").tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def write_unsplit(raw_dir: Path, songs_per_genre: int = 10, segments: int = 2) -> Path:
    """Raw data as download leaves the synthetic data or an audio folder: unsplit segments, GTZAN's clip names."""
    genres = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop"]
    songs = len(genres) * songs_per_genre
    spectrograms, _ = fake_segments(songs * segments, seed=3)
    song_ids = np.repeat(np.arange(songs), segments).astype(np.int32)
    clips = [f"{genre}/{genre}.{number:05d}.wav" for genre in genres for number in range(songs_per_genre)]
    save_segments(raw_dir / "segments", spectrograms, song_ids // songs_per_genre, song_ids, clips)
    (raw_dir / "source.json").write_text(json.dumps({"source": "synthetic", "class_names": genres}))
    return raw_dir


def test_unsplit_data_is_split_here_with_a_test_side_and_no_song_on_two_sides(tmp_path):
    raw = write_unsplit(tmp_path / "raw")
    summary = prepare_data(features_dir=raw, out_dir=tmp_path / "prepared", num_classes=NUM_CLASSES, protocol="song",
                           test_fraction=0.2, seed=1)
    songs = {side: set(load_song_ids(tmp_path / "prepared", side).tolist()) for side in ("train", "val", "test")}
    assert not (songs["train"] & songs["val"] or songs["train"] & songs["test"] or songs["val"] & songs["test"])
    assert {side: len(ids) for side, ids in songs.items()} == {"train": 48, "val": 16, "test": 16}
    assert summary["counts"]["test"] == {"total": 32, "per_class": [4] * 8}
    assert summary["protocol"]["description"] == "song split 60/20/20: 48 train, 16 validation, 16 test songs"
    train_x, _ = load_prepared(tmp_path / "prepared", "train")
    np.testing.assert_allclose(train_x.mean(axis=(0, 1, 3)), 0, atol=1e-4)  # the training side's statistics


def test_another_split_of_the_same_raw_data_needs_no_new_download(tmp_path):
    raw = write_unsplit(tmp_path / "raw", songs_per_genre=100)
    segment = prepare_data(features_dir=raw, out_dir=tmp_path / "segment", num_classes=NUM_CLASSES, protocol="segment")
    assert segment["protocol"]["description"] == "segment split 80/20: 1,280 train, 320 validation segments"
    filtered = prepare_data(features_dir=raw, out_dir=tmp_path / "filtered", num_classes=NUM_CLASSES, protocol="filtered",
                            lists_dir=Path(__file__).parents[1] / "splits" / "gtzan-fault-filtered")
    assert set(filtered["counts"]) == {"train", "val", "test"} and filtered["protocol"]["method"] == "filtered"
    assert filtered["protocol"]["description"].startswith("fault-filtered split: ")


@pytest.mark.parametrize("protocol", [{"protocol": "filtered"}, {"test_fraction": 0.2}])
def test_data_that_comes_split_refuses_another_protocol(tmp_path, protocol):
    raw = write_raw(tmp_path / "raw")
    with pytest.raises(UserError, match="comes already split into train and validation"):
        prepare_data(features_dir=raw, out_dir=tmp_path / "prepared", num_classes=NUM_CLASSES, **protocol)
    assert not (tmp_path / "prepared").exists()


def test_standardized_with_training_statistics_only(tmp_path):
    train = fake_segments(16, seed=1)
    val_x, val_y = fake_segments(8, seed=2)
    prepare(tmp_path, train=train, val=(val_x + 100.0, val_y))
    train_x, _ = load_prepared(tmp_path / "prepared", "train")
    shifted_val_x, _ = load_prepared(tmp_path / "prepared", "val")
    per_bin_mean = train_x.mean(axis=(0, 1, 3))
    per_bin_std = train_x.std(axis=(0, 1, 3))
    np.testing.assert_allclose(per_bin_mean, 0.0, atol=1e-4)
    np.testing.assert_allclose(per_bin_std, 1.0, atol=1e-4)
    assert shifted_val_x.mean() > 5, "validation is shifted by training statistics, not its own"


def test_one_hot_labels_give_the_same_output_as_class_ids(tmp_path):
    spectrograms, labels = fake_segments(16, seed=1)
    val_x, val_y = fake_segments(8, seed=2)
    prepare(tmp_path / "ids", train=(spectrograms, labels), val=(val_x, val_y))
    prepare(
        tmp_path / "onehot",
        train=(spectrograms, np.eye(8, dtype=np.float32)[labels]),
        val=(val_x, np.eye(8, dtype=np.float32)[val_y]),
    )
    ids, one_hot = digest(tmp_path / "ids" / "prepared"), digest(tmp_path / "onehot" / "prepared")
    assert {k: v for k, v in ids.items() if k != "summary.json"} == {
        k: v for k, v in one_hot.items() if k != "summary.json"
    }


def test_identical_input_gives_identical_bytes(tmp_path):
    prepare(tmp_path / "first")
    prepare(tmp_path / "second")
    first, second = digest(tmp_path / "first" / "prepared"), digest(tmp_path / "second" / "prepared")
    assert len(first) == 5 and first == second  # no song ids in this data


def bad(spectrograms=None, labels=None, count=16):
    x, y = fake_segments(count, seed=1)
    return (x if spectrograms is None else spectrograms, y if labels is None else labels)


def with_value(index, value):
    x, _ = fake_segments(16, seed=1)
    x[index, 3, 4, 0] = value
    return x


@pytest.mark.parametrize(
    ("train", "message"),
    [
        (bad(spectrograms=np.zeros((16, 80, 80), np.float32)), r"side 'train': element shape \(80, 80\) .*example index 0"),
        (bad(spectrograms=np.zeros((16, 80, 40, 1), np.float32)), r"side 'train': element shape \(80, 40, 1\)"),
        (bad(spectrograms=np.zeros((16, 80, 80, 1), np.int32)), r"side 'train': spectrograms have dtype int32"),
        (bad(spectrograms=with_value(5, np.nan)), r"side 'train': .*not all finite.*example index 5"),
        (bad(spectrograms=with_value(7, np.inf)), r"side 'train': .*not all finite.*example index 7"),
        (bad(labels=np.where(np.arange(16) == 3, 8, np.arange(16) % 8)), r"side 'train': label 8 at example index 3 is not a class id in 0..7"),
        (bad(labels=np.where(np.arange(16) == 2, -1, np.arange(16) % 8)), r"label -1 at example index 2"),
        (bad(labels=np.eye(8)[np.arange(16) % 8] * np.where(np.arange(16) == 4, 2, 1)[:, None]), r"must be one-hot vectors, example index 4"),
        (bad(labels=np.zeros((16, 3))), r"labels have shape \(3,\) per element"),
        (bad(labels=np.arange(16) % 7), r"side 'train': classes \[7\] have no examples"),
    ],
)
def test_bad_training_data_is_refused_and_nothing_is_written(tmp_path, train, message):
    with pytest.raises(ValueError, match=message):
        prepare(tmp_path, train=train)
    assert not (tmp_path / "prepared").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["raw"], "no staging directory left behind"


def test_bad_validation_data_names_the_split(tmp_path):
    x, y = fake_segments(8, seed=2)
    y[6] = 99
    with pytest.raises(ValueError, match=r"side 'val': label 99 at example index 6"):
        prepare(tmp_path, val=(x, y))


def test_an_empty_split_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"side 'val': .* is empty"):
        prepare(tmp_path, val=(np.zeros((0, 80, 80, 1), np.float32), np.zeros((0,), np.int64)))


def test_a_corrupt_saved_dataset_is_refused(tmp_path):
    raw = write_raw(tmp_path / "raw")
    for shard in (raw / "train").rglob("*.snapshot"):
        shard.write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"side 'train': "):
        prepare_data(features_dir=raw, out_dir=tmp_path / "prepared", num_classes=NUM_CLASSES)
    assert not (tmp_path / "prepared").exists()


def test_incomplete_features_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not a complete set of features"):
        prepare_data(features_dir=tmp_path / "raw", out_dir=tmp_path / "prepared", num_classes=NUM_CLASSES)


@pytest.mark.parametrize("genres", [10, 3])
def test_named_classes_must_match_num_classes(tmp_path, genres):
    raw = write_raw(tmp_path / "raw")
    names = [f"genre{index}" for index in range(genres)]
    (raw / "source.json").write_text(json.dumps({"source": "audio", "class_names": names}))
    with pytest.raises(ValueError, match=rf"the data has {genres} classes \(genre0, .*data.num_classes is 8: set"):
        prepare_data(features_dir=raw, out_dir=tmp_path / "prepared", num_classes=NUM_CLASSES)
    assert not (tmp_path / "prepared").exists()


def test_one_class_is_refused_without_suggesting_num_classes_1(tmp_path):
    raw = write_raw(tmp_path / "raw")
    (raw / "source.json").write_text(json.dumps({"source": "audio", "class_names": ["jazz"]}))
    with pytest.raises(ValueError, match=r"the data has 1 class \(jazz\): a classifier needs at least 2") as error:
        prepare_data(features_dir=raw, out_dir=tmp_path / "prepared", num_classes=NUM_CLASSES)
    assert "num_classes to 1" not in str(error.value)
    assert not (tmp_path / "prepared").exists()
