"""Audio files -> log-mel segments through the project's front-end, and song-level splits and scores.

    <root>/<genre>/<clip>  (e.g. genres_original/blues/blues.00000.wav, or the .au release)
        --load_audio-->      mono float32 at the front-end's sample rate (any format libsndfile reads)
        --audio_segments-->  (segments, segment_frames, mel_bins, 1), at most segments_per_clip per clip

A full 30 s clip gives frontend.segments_per_clip segments (15 with the defaults); a shorter clip
gives as many full segments as it holds; a clip shorter than one segment, an empty or an
undecodable file is skipped and reported. Every segment carries the id of its song (clip), so
that a split can keep all segments of a song on one side and accuracy can be scored per song.
"""

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from gtzan.frontend import FrontEnd, clip_to_segments

AUDIO_EXTENSIONS = frozenset({".wav", ".au", ".flac", ".ogg", ".aiff", ".aif"})


class AudioError(ValueError):
    """A clip that cannot be used. str() names the file and the reason; `reason` is the reason alone."""

    def __init__(self, reason: str, path: Path | str | None = None):
        self.reason = reason
        self.path = path
        super().__init__(f"{'the audio' if path is None else path} {reason}")

    def naming(self, path: Path | str) -> "AudioError":
        """The same error, naming the file."""
        return AudioError(self.reason, path)


@dataclass(frozen=True, eq=False)
class AudioDataset:
    """Segments of the usable clips of an audio folder, with the song (clip) each one comes from."""

    spectrograms: np.ndarray  # (n, segment_frames, mel_bins, 1) float32, log-mel in dB (not standardized)
    labels: np.ndarray  # (n,) int32, index into genres
    song_ids: np.ndarray  # (n,) int32, index into songs
    genres: tuple[str, ...]
    songs: tuple[str, ...]  # clip paths relative to the root, POSIX style, indexed by song id
    skipped: tuple[tuple[str, str], ...]  # (relative path, reason) of every clip left out

    @property
    def num_songs(self) -> int:
        return len(self.songs)


def load_audio(path: Path | str, sample_rate: int) -> np.ndarray:
    """Decode an audio file to mono (samples,) float32 at sample_rate.

    Channels are averaged; a file at another rate is resampled with soxr. Raises AudioError for
    a missing, empty (0 bytes or 0 frames), undecodable or non-finite file.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError("not found", path)
    if path.stat().st_size == 0:
        raise AudioError("is empty (0 bytes)", path)
    try:
        samples, file_rate = soundfile.read(path, dtype="float32", always_2d=True)  # (frames, channels)
    except (soundfile.SoundFileError, RuntimeError) as error:
        reason = getattr(error, "error_string", None) or str(error)
        raise AudioError(f"cannot be decoded: {reason}", path) from error
    if len(samples) == 0:
        raise AudioError("is empty (0 frames)", path)
    mono = samples.mean(axis=1)  # (frames,)
    if not np.isfinite(mono).all():
        raise AudioError("has samples that are not finite (NaN or inf)", path)
    if file_rate != sample_rate:
        mono = soxr.resample(mono, file_rate, sample_rate)  # (frames * sample_rate / file_rate,)
    return np.ascontiguousarray(mono, dtype=np.float32)


def audio_segments(audio: np.ndarray, frontend: FrontEnd, max_segments: int | None = None) -> np.ndarray:
    """Mono audio (samples,) -> (n, segment_frames, mel_bins, 1) float32 log-mel segments.

    n is the number of full segments the audio holds, at most max_segments (default
    frontend.segments_per_clip). The segments are the front-end's log-mel of the first
    n * segment_samples samples, cut in n, exactly as a clip of n segments is cut in training.
    Raises AudioError if the audio is shorter than one segment.
    """
    max_segments = frontend.segments_per_clip if max_segments is None else max_segments
    if not isinstance(max_segments, (int, np.integer)) or max_segments < 1:
        raise ValueError(f"max_segments must be a positive integer or None, got {max_segments!r}")
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"expected mono audio of shape (samples,), got shape {audio.shape}")
    count = min(len(audio) // frontend.segment_samples, int(max_segments))
    if count == 0:
        raise AudioError(
            f"is {len(audio) / frontend.sample_rate:.2f} s long, shorter than one segment "
            f"({frontend.segment_samples / frontend.sample_rate:g} s)"
        )
    clip = audio[: count * frontend.segment_samples]  # (count * segment_samples,)
    return clip_to_segments(clip, dataclasses.replace(frontend, segments_per_clip=count))


def find_clips(root: Path | str, genres: Sequence[str] | None = None) -> dict[str, list[Path]]:
    """Genre folder name -> its audio files, sorted, for root laid out as <root>/<genre>/<clip>.

    Audio files are those with an extension in AUDIO_EXTENSIONS (any case); other files are
    ignored. genres=None takes every genre folder (hidden and "_" folders aside), sorted by name;
    otherwise the genres in the order given, each of which must have a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"audio folder {root} not found (expected <root>/<genre>/<clip>, e.g. <root>/blues/blues.00000.wav)")
    folders = sorted(entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith((".", "_")))
    if not folders:
        raise ValueError(
            f"audio folder {root} has no genre folders: expected one folder per genre holding its clips, "
            f"e.g. {root / 'blues' / 'blues.00000.wav'}"
        )
    if genres is None:
        genres = folders
    else:
        genres = list(genres)
        if len(set(genres)) != len(genres):
            raise ValueError(f"genres {genres} name a genre more than once")
        missing = [genre for genre in genres if genre not in folders]
        if missing:
            raise ValueError(f"genres {missing} have no folder in {root}; the genre folders found are {folders}")
    return {
        genre: sorted(
            path for path in (root / genre).iterdir() if path.is_file() and path.suffix.lower() in AUDIO_EXTENSIONS
        )
        for genre in genres
    }


def _print_now(message: str) -> None:
    print(message, flush=True)


def load_audio_dataset(
    root: Path | str,
    genres: Sequence[str] | None,
    frontend: FrontEnd,
    progress: Callable[[str], None] = _print_now,
) -> AudioDataset:
    """Every usable clip of root (laid out as <root>/<genre>/<clip>) as log-mel segments.

    genres: the genre folders to read, in class-id order (None: every folder, sorted). Song ids
    count the usable clips in the order genres, then files. Clips that raise AudioError are
    reported through `progress` and skipped; a genre without any usable clip is a ValueError.
    """
    root = Path(root)
    clips = find_clips(root, genres)
    empty = [genre for genre, files in clips.items() if not files]
    if empty:
        extensions = ", ".join(sorted(AUDIO_EXTENSIONS))
        raise ValueError(f"genre folders {empty} in {root} hold no audio files ({extensions})")

    total = sum(len(files) for files in clips.values())
    report_every = max(1, total // 10)
    progress(f"Decoding {total} clips of {len(clips)} genres from {root} ...")
    started = time.perf_counter()
    spectrograms, labels, song_ids, songs, skipped = [], [], [], [], []
    done = 0
    for label, (genre, files) in enumerate(clips.items()):
        usable = 0
        for path in files:
            relative = path.relative_to(root).as_posix()
            try:
                segments = audio_segments(load_audio(path, frontend.sample_rate), frontend)  # (n, frames, mel, 1)
            except AudioError as error:
                skipped.append((relative, error.reason))
                progress(f"skipped {relative}: {error.reason}")
            else:
                spectrograms.append(segments)
                labels.append(np.full(len(segments), label, dtype=np.int32))
                song_ids.append(np.full(len(segments), len(songs), dtype=np.int32))
                songs.append(relative)
                usable += 1
            done += 1
            if done % report_every == 0 or done == total:
                elapsed = time.perf_counter() - started
                progress(f"  decoded {done}/{total} clips ({100 * done // total}%), {elapsed:.1f} s")
        if usable == 0:
            raise ValueError(f"genre '{genre}' has no usable clip: all {len(files)} files in {root / genre} were skipped")

    return AudioDataset(
        spectrograms=np.concatenate(spectrograms),
        labels=np.concatenate(labels),
        song_ids=np.concatenate(song_ids),
        genres=tuple(clips),
        songs=tuple(songs),
        skipped=tuple(skipped),
    )


def split_by_song(
    labels: np.ndarray, song_ids: np.ndarray, validation_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(train_mask, val_mask) over segments, stratified by genre, with every song on one side only.

    Of each genre's n songs, round(validation_fraction * n) go to validation, chosen with
    np.random.default_rng(seed); at least one and at most n - 1 when n >= 2 (training keeps
    every genre), none when n == 1.
    """
    _check_fraction(validation_fraction)
    song_ids = np.asarray(song_ids)
    songs, song_labels = _song_labels(labels, song_ids)  # (songs,) each
    rng = np.random.default_rng(seed)
    val_songs = [
        rng.choice(genre_songs, size=_validation_count(len(genre_songs), validation_fraction), replace=False)
        for genre_songs in (songs[song_labels == genre] for genre in np.unique(song_labels))
    ]
    val_mask = np.isin(song_ids, np.concatenate(val_songs))
    return ~val_mask, val_mask


def split_by_segment(labels: np.ndarray, validation_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train_mask, val_mask): the Drive data's protocol, a random split over segments stratified by genre.

    Segments of one song can land on both sides. Of each genre's n segments,
    round(validation_fraction * n) go to validation (at least one, at most n - 1 when n >= 2).
    """
    _check_fraction(validation_fraction)
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must have shape (n,), got {labels.shape}")
    rng = np.random.default_rng(seed)
    val_mask = np.zeros(len(labels), dtype=bool)
    for genre in np.unique(labels):
        indices = np.flatnonzero(labels == genre)
        val_mask[rng.choice(indices, size=_validation_count(len(indices), validation_fraction), replace=False)] = True
    return ~val_mask, val_mask


def song_predictions(probabilities: np.ndarray, song_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique song ids (songs,), mean segment probabilities of each song (songs, classes))."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    song_ids = np.asarray(song_ids)
    if probabilities.ndim != 2 or song_ids.shape != (len(probabilities),):
        raise ValueError(
            f"expected probabilities (n, classes) and song_ids (n,), got shapes {probabilities.shape} and {song_ids.shape}"
        )
    songs, inverse = np.unique(song_ids, return_inverse=True)
    sums = np.zeros((len(songs), probabilities.shape[1]))  # (songs, classes)
    np.add.at(sums, inverse, probabilities)
    return songs, sums / np.bincount(inverse)[:, np.newaxis]


def song_accuracy(probabilities: np.ndarray, labels: np.ndarray, song_ids: np.ndarray) -> float:
    """Share of songs whose mean segment probabilities peak at the song's genre."""
    songs, mean_probabilities = song_predictions(probabilities, song_ids)
    _, song_labels = _song_labels(labels, song_ids)  # in the same order: both sorted by song id
    return float((mean_probabilities.argmax(axis=1) == song_labels).mean())


def _song_labels(labels: np.ndarray, song_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique song ids, the label of each), sorted by song id; ValueError if a song has two labels."""
    labels, song_ids = np.asarray(labels), np.asarray(song_ids)
    if labels.ndim != 1 or labels.shape != song_ids.shape:
        raise ValueError(f"labels and song_ids must both have shape (n,), got {labels.shape} and {song_ids.shape}")
    songs, first = np.unique(song_ids, return_index=True)
    song_labels = labels[first]  # (songs,)
    mixed = labels != song_labels[np.searchsorted(songs, song_ids)]
    if mixed.any():
        index = int(np.argmax(mixed))
        raise ValueError(
            f"song {song_ids[index]} has segments of more than one label ({song_labels[np.searchsorted(songs, song_ids[index])]} "
            f"and {labels[index]}, segment index {index}); all segments of a song must share its label"
        )
    return songs, song_labels


def _validation_count(count: int, validation_fraction: float) -> int:
    if count < 2:
        return 0
    return min(max(int(round(validation_fraction * count)), 1), count - 1)


def _check_fraction(validation_fraction: float) -> None:
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
