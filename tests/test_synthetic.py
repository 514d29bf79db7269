"""The synthetic dataset: shapes, labels, song ids, and determinism from the seed."""

import numpy as np
import pytest

from gtzan.errors import UserError
from gtzan.frontend import FrontEnd, clip_to_segments
from gtzan.featurize import segment_clips
from gtzan.synthetic import GENRES, render_song, render_synthetic_clips

# 2 segments of 2 s per song (4 s songs) instead of 15: same segment shape, 7x less rendering.
SMALL = FrontEnd(segments_per_clip=2)
SONGS_PER_GENRE = 3


def make_synthetic_dataset(*, songs_per_genre: int, seed: int, frontend: FrontEnd) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The synthetic songs cut into segments as download and featurize do: (spectrograms, labels, song ids)."""
    clips, labels, names = render_synthetic_clips(songs_per_genre=songs_per_genre, seed=seed, sample_rate=frontend.sample_rate,
                                                  num_samples=frontend.clip_samples)
    dataset = segment_clips(clips, labels, names, GENRES, frontend)
    return dataset.spectrograms, dataset.labels, dataset.song_ids


def make(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return make_synthetic_dataset(songs_per_genre=SONGS_PER_GENRE, seed=seed, frontend=SMALL)


def make_tiny(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2 songs per genre of one 2 s segment each."""
    return make_synthetic_dataset(songs_per_genre=2, seed=seed, frontend=FrontEnd(segments_per_clip=1))


@pytest.fixture(scope="module")
def dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return make(seed=0)


def test_there_are_8_distinct_genres():
    assert len(GENRES) == 8 and len(set(GENRES)) == 8


def test_shapes_dtypes_and_finite_values(dataset):
    x, y, song_ids = dataset
    count = len(GENRES) * SONGS_PER_GENRE * SMALL.segments_per_clip
    assert x.shape == (count, 80, 80, 1) and x.dtype == np.float32
    assert y.shape == song_ids.shape == (count,) and y.dtype == song_ids.dtype == np.int32
    assert np.isfinite(x).all()
    assert -110.0 < x.min() and x.max() < 60.0  # decibels


def test_every_song_is_its_segments_in_order_with_one_label(dataset):
    x, y, song_ids = dataset
    np.testing.assert_array_equal(np.bincount(y), np.full(8, SONGS_PER_GENRE * SMALL.segments_per_clip))
    np.testing.assert_array_equal(song_ids, np.repeat(np.arange(8 * SONGS_PER_GENRE), SMALL.segments_per_clip))
    np.testing.assert_array_equal(y, song_ids // SONGS_PER_GENRE)
    genre_index, song_index = 5, 2
    rng = np.random.default_rng([0, genre_index, song_index])
    song = clip_to_segments(render_song(genre_index, rng, SMALL.sample_rate, SMALL.clip_samples), SMALL)
    np.testing.assert_allclose(x[song_ids == genre_index * SONGS_PER_GENRE + song_index], song, atol=1e-3)


def test_the_same_seed_gives_the_same_arrays(dataset):
    for again, first in zip(make(seed=0), dataset):
        np.testing.assert_array_equal(again, first)


def test_another_seed_gives_other_songs():
    first, other = make_tiny(seed=0)[0], make_tiny(seed=1)[0]
    assert first.shape == other.shape == (16, 80, 80, 1)
    assert not np.allclose(other, first)


def test_progress_is_printed(capsys):
    make_tiny(seed=2)
    assert "rendered 16/16 songs (100%)" in capsys.readouterr().out


def test_a_rendered_song_is_float32_audio_in_range():
    for genre_index in range(len(GENRES)):
        audio = render_song(genre_index, np.random.default_rng(genre_index), 16000, 16000)
        assert audio.shape == (16000,) and audio.dtype == np.float32
        assert np.abs(audio).max() <= 1.0 and audio.std() > 0.01


def test_render_song_depends_only_on_its_generator():
    first = render_song(3, np.random.default_rng(7), 16000, 8000)
    np.testing.assert_array_equal(first, render_song(3, np.random.default_rng(7), 16000, 8000))
    assert not np.array_equal(first, render_song(3, np.random.default_rng(8), 16000, 8000))


def test_fewer_than_two_songs_per_genre_are_refused():
    with pytest.raises(UserError, match="data.synthetic.songs_per_genre must be an integer of at least 2"):
        make_synthetic_dataset(songs_per_genre=1, seed=0, frontend=SMALL)


def test_an_unknown_genre_is_refused():
    with pytest.raises(ValueError, match="genre_index must be in 0..7"):
        render_song(8, np.random.default_rng(0), 16000, 1600)


def test_the_songs_written_as_a_gtzan_like_audio_folder(tmp_path):
    import soundfile

    from conftest import load_audio_dataset
    from gtzan.synthetic import write_audio_folder

    folder = write_audio_folder(tmp_path / "audio", songs_per_genre=2, seed=3, seconds=4.5)
    files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.wav"))
    assert files == sorted(f"{genre}/{genre}.{song:05d}.wav" for genre in GENRES for song in range(2))
    info = soundfile.info(folder / "pop/pop.00001.wav")
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (22050, 1, 99225, "PCM_16")
    assert list(tmp_path.iterdir()) == [folder], "no staging folder left behind"

    again = write_audio_folder(tmp_path / "again", songs_per_genre=2, seed=3, seconds=4.5)
    assert (again / "jazz/jazz.00000.wav").read_bytes() == (folder / "jazz/jazz.00000.wav").read_bytes()

    dataset = load_audio_dataset(folder, None, SMALL)
    assert dataset.genres == tuple(sorted(GENRES)) and dataset.num_songs == 16
    assert dataset.spectrograms.shape == (16 * 2, *SMALL.segment_shape)


def test_an_audio_folder_is_never_written_over(tmp_path):
    from gtzan.synthetic import write_audio_folder

    (tmp_path / "audio").mkdir()
    with pytest.raises(ValueError, match="already exists"):
        write_audio_folder(tmp_path / "audio", songs_per_genre=1, seed=0)
    with pytest.raises(ValueError, match="songs_per_genre"):
        write_audio_folder(tmp_path / "new", songs_per_genre=0, seed=0)
    assert not (tmp_path / "new").exists()
