"""The split protocols of gtzan.splits: song, segment (with an optional test side) and GTZAN's fault-filtered lists."""

from collections import Counter

import numpy as np
import pytest
from conftest import REPO_ROOT

from gtzan.errors import UserError
from gtzan.splits import check_split_params, describe_missing, split_segments
from gtzan.synthetic import GENRES

LISTS = REPO_ROOT / "splits" / "gtzan-fault-filtered"
LIST_FILES = {"train": "train_filtered.txt", "val": "valid_filtered.txt", "test": "test_filtered.txt"}


def songs(songs_per_genre: int = 10, genres: int = 4, segments: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(labels, song_ids) of songs_per_genre songs per genre, each of `segments` segments."""
    song_labels = np.repeat(np.arange(genres), songs_per_genre)
    return np.repeat(song_labels, segments).astype(np.int32), np.repeat(np.arange(len(song_labels)), segments).astype(np.int32)


def gtzan_clips(genres, numbers) -> list[str]:
    """GTZAN's names, genre by genre (song id = genre index * len(numbers) + position)."""
    return [f"{genre}/{genre}.{number:05d}.wav" for genre in genres for number in numbers]


def split(labels, song_ids, clips=None, class_names=None, *, method="song", test_fraction=0.0, seed=7):
    class_names = class_names or [str(genre) for genre in np.unique(labels)]
    return split_segments(labels, song_ids, clips or [], class_names, method=method, test_fraction=test_fraction,
                          seed=seed, lists_dir=LISTS)


def song_sets(result, song_ids):
    return {side: set(song_ids[mask].tolist()) for side, mask in result.masks.items()}


def test_the_song_split_keeps_every_song_on_one_side_80_20_by_genre():
    labels, song_ids = songs()
    result = split(labels, song_ids)
    assert set(result.masks) == {"train", "val"}, "no test side unless data.test_fraction asks for one"
    sides = song_sets(result, song_ids)
    assert not sides["train"] & sides["val"] and sides["train"] | sides["val"] == set(range(40))
    assert Counter(song // 10 for song in sides["val"]) == {0: 2, 1: 2, 2: 2, 3: 2}  # 20 % of each genre's 10 songs
    assert result.protocol["description"] == "song split 80/20: 32 train, 8 validation songs"
    np.testing.assert_array_equal(result.masks["val"], split(labels, song_ids).masks["val"])
    assert not np.array_equal(result.masks["val"], split(labels, song_ids, seed=8).masks["val"])


def test_without_a_test_side_the_song_split_draws_what_earlier_versions_drew():
    """The validation songs of download's former split (gtzan.songs.split_by_song before the split moved to
    prepare), so that the figures measured before stay reproducible."""
    labels, song_ids = songs()
    assert sorted(song_sets(split(labels, song_ids), song_ids)["val"]) == [6, 8, 15, 18, 22, 27, 32, 39]


def test_a_test_fraction_gives_three_sides_with_no_song_on_two():
    labels, song_ids = songs()
    result = split(labels, song_ids, test_fraction=0.2)
    sides = song_sets(result, song_ids)
    assert not (sides["train"] & sides["val"] or sides["train"] & sides["test"] or sides["val"] & sides["test"])
    assert sides["train"] | sides["val"] | sides["test"] == set(range(40))
    for side, per_genre in (("train", 6), ("val", 2), ("test", 2)):
        assert Counter(song // 10 for song in sides[side]) == {genre: per_genre for genre in range(4)}, side
    assert result.protocol["description"] == "song split 60/20/20: 24 train, 8 validation, 8 test songs"


def test_a_genre_of_three_songs_keeps_one_on_each_side():
    labels, song_ids = songs(songs_per_genre=3)
    sides = song_sets(split(labels, song_ids, test_fraction=0.5), song_ids)
    for side in ("train", "val", "test"):
        assert sorted(song // 3 for song in sides[side]) == [0, 1, 2, 3], side


def test_a_genre_too_small_for_a_test_side_is_refused_in_one_line():
    labels, song_ids = songs(songs_per_genre=2)
    with pytest.raises(UserError, match="data.test_fraction leaves no test song of 0, 1, 2, 3: a genre needs at least 3 songs"):
        split(labels, song_ids, test_fraction=0.2)


def test_the_segment_split_scatters_a_songs_segments():
    labels, song_ids = songs(segments=15)
    result = split(labels, song_ids, method="segment", test_fraction=0.1)
    assert np.bincount(labels[result.masks["val"]]).tolist() == [30] * 4  # 20 % of each genre's 150 segments
    assert np.bincount(labels[result.masks["test"]]).tolist() == [15] * 4
    sides = song_sets(result, song_ids)
    assert sides["train"] & sides["val"]
    assert result.protocol["description"] == "segment split 70/20/10: 420 train, 120 validation, 60 test segments"


@pytest.mark.parametrize("method, fraction, message", [
    ("album", 0, r"data.split 'album' is unknown; valid values are \['song', 'segment', 'filtered'\]"),
    ("song", 0.6, "data.test_fraction must be a number from 0 to 0.5, got 0.6"),
    ("song", -0.1, "data.test_fraction must be a number from 0 to 0.5, got -0.1"),
    ("song", "0.2", "data.test_fraction must be a number from 0 to 0.5, got '0.2'"),
    ("filtered", 0.2, r"data.split 'filtered' has its own test list: set data.test_fraction to 0 \(it is 0.2\)"),
])
def test_bad_split_params_are_refused_in_one_line(method, fraction, message):
    with pytest.raises(UserError, match=message):
        check_split_params(method, fraction)


def listed(genres) -> dict[str, Counter]:
    """side -> clips per genre in the shipped lists, for these genres: read here independently of gtzan.splits."""
    counts = {}
    for side, file_name in LIST_FILES.items():
        lines = (LISTS / file_name).read_text().splitlines()
        counts[side] = Counter(line.split("/")[0] for line in lines if line.split("/")[0] in genres)
    return counts


def test_the_filtered_split_follows_the_lists_for_the_genres_in_use():
    labels, song_ids = songs(songs_per_genre=100, genres=len(GENRES), segments=2)
    result = split(labels, song_ids, gtzan_clips(GENRES, range(100)), list(GENRES), method="filtered")
    expected = listed(GENRES)
    for side, mask in result.masks.items():
        assert Counter(GENRES[song // 100] for song in set(song_ids[mask].tolist())) == expected[side], side
    total = sum(sum(counts.values()) for counts in expected.values())
    assert result.protocol["left_out"] == 800 - total and describe_missing(result.protocol) is None
    clips = result.protocol["clips"]
    assert result.protocol["description"] == (
        f"fault-filtered split: {clips['train']} train, {clips['val']} validation, {clips['test']} test clips of 8 genres, "
        f"0 missing, {800 - total} left out")


def test_a_partial_folder_reports_its_missing_clips_by_side_and_genre():
    numbers = [number for number in range(100) if number % 3]  # a third of the clips deleted
    labels, song_ids = songs(songs_per_genre=len(numbers), genres=2, segments=1)
    result = split(labels, song_ids, gtzan_clips(["blues", "rock"], numbers), ["blues", "rock"], method="filtered")
    for side, file_name in LIST_FILES.items():
        lines = (LISTS / file_name).read_text().splitlines()
        gone = Counter(line.split("/")[0] for line in lines
                       if line.split("/")[0] in ("blues", "rock") and int(line.split(".")[1]) % 3 == 0)
        assert result.protocol["missing"][side] == dict(gone), side
    assert result.masks["test"].any() and result.masks["train"].any()
    missing = result.protocol["missing"]
    assert describe_missing(result.protocol) == (
        f"listed but not in the data: train blues {missing['train']['blues']}, rock {missing['train']['rock']}; "
        f"validation blues {missing['val']['blues']}, rock {missing['val']['rock']}; "
        f"test blues {missing['test']['blues']}, rock {missing['test']['rock']}")


def test_the_filtered_split_needs_gtzans_clip_names():
    labels, song_ids = songs(songs_per_genre=2, genres=2, segments=1)
    clips = ["rock/song one.mp3", "rock/song two.mp3", "jazz/a.wav", "jazz/b.wav"]
    with pytest.raises(UserError, match=r"follows GTZAN's clip names \(<genre>/<genre>.<5 digits>.<ext>, e.g. "
                                        r"blues/blues.00012.wav\), and none of the data's 4 clips is named so \(e.g. 'rock/song one.mp3'\)"):
        split(labels, song_ids, clips, ["rock", "jazz"], method="filtered")


def test_a_genre_without_clips_on_a_side_is_refused_in_one_line():
    labels, song_ids = songs(songs_per_genre=5, genres=2, segments=1)  # blues 0-4: on the validation list
    with pytest.raises(UserError, match="data.split 'filtered': no train clip of blues: the data has none of the clips train_filtered.txt lists for that genre"):
        split(labels, song_ids, gtzan_clips(["blues", "rock"], range(5)), ["blues", "rock"], method="filtered")
