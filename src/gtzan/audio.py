"""Audio files -> mono float32 clips at one sample rate, decoded once (the download stage).

    <root>/<genre>/<clip>  (e.g. genres_original/blues/blues.00000.wav, or the .au release)
        --load_audio-->           mono float32 at the given sample rate (any format libsndfile reads)
        --decode_audio_folder-->  every decodable clip, with its genre and name

An empty or undecodable file is skipped and reported. The front-ends cut the decoded clips into
their own inputs (gtzan.featurize, gtzan.transfer).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from gtzan.errors import UserError
from gtzan.progress import with_progress

AUDIO_EXTENSIONS = frozenset({".wav", ".au", ".flac", ".ogg", ".aiff", ".aif"})


class AudioError(UserError):
    """A clip that cannot be used. str() names the file and the reason; `reason` is the reason alone."""

    def __init__(self, reason: str, path: Path | str | None = None):
        self.reason = reason
        self.path = path
        super().__init__(f"{'the audio' if path is None else path} {reason}")

    def naming(self, path: Path | str) -> "AudioError":
        """The same error, naming the file."""
        return AudioError(self.reason, path)


def load_audio(path: Path | str, sample_rate: int) -> np.ndarray:
    """Decode an audio file to mono (samples,) float32 at sample_rate.

    Channels are averaged; a file at another rate is resampled with soxr. Raises AudioError for
    a missing, empty (0 bytes or 0 frames), undecodable or non-finite file.
    """
    path = Path(path)
    if path.is_dir():
        raise AudioError("is a directory, not an audio file", path)
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


def find_clips(root: Path | str, genres: Sequence[str] | None = None) -> dict[str, list[Path]]:
    """Genre folder name -> its audio files, sorted, for root laid out as <root>/<genre>/<clip>.

    Audio files are those with an extension in AUDIO_EXTENSIONS (any case); other files are
    ignored. genres=None takes every genre folder (hidden and "_" folders aside), sorted by name;
    otherwise the genres in the order given, each of which must have a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"audio folder {root} not found (expected <root>/<genre>/<clip>, e.g. <root>/blues/blues.00000.wav)")
    folders = sorted(entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith((".", "_")))
    if not folders:
        raise UserError(
            f"audio folder {root} has no genre folders: expected one folder per genre holding its clips, "
            f"e.g. {root / 'blues' / 'blues.00000.wav'}"
        )
    if genres is None:
        genres = folders
    else:
        genres = list(genres)
        if len(set(genres)) != len(genres):
            raise UserError(f"genres {genres} name a genre more than once")
        missing = [genre for genre in genres if genre not in folders]
        if missing:
            raise UserError(f"genres {missing} have no folder in {root}; the genre folders found are {folders}")
    return {
        genre: sorted(
            path for path in (root / genre).iterdir() if path.is_file() and path.suffix.lower() in AUDIO_EXTENSIONS
        )
        for genre in genres
    }


@dataclass(frozen=True, eq=False)
class DecodedFolder:
    """The decodable clips of an audio folder, mono at one sample rate, in the order genres, then files."""

    clips: list[np.ndarray]  # each (samples,) float32
    labels: np.ndarray  # (n,) int32, index into genres
    names: tuple[str, ...]  # clip paths relative to the root, POSIX style
    genres: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (relative path, reason) of every file that cannot be decoded


def decode_audio_folder(root: Path | str, genres: Sequence[str] | None, sample_rate: int) -> DecodedFolder:
    """Every decodable clip of root (laid out as <root>/<genre>/<clip>), mono at sample_rate.

    genres: the genre folders to read, in class-id order (None: every folder, sorted). Files that raise
    AudioError are reported by name and skipped; a genre without any decodable clip is a UserError.
    """
    root = Path(root)
    found = find_clips(root, genres)
    empty = [genre for genre, files in found.items() if not files]
    if empty:
        extensions = ", ".join(sorted(AUDIO_EXTENSIONS))
        raise UserError(f"genre folders {empty} in {root} hold no audio files ({extensions})")
    every_clip = [(label, path) for label, files in enumerate(found.values()) for path in files]
    print(f"Decoding {len(every_clip)} clips of {len(found)} genres from {root} ...", flush=True)
    clips, labels, names, skipped = [], [], [], []
    for label, path in with_progress(every_clip, total=len(every_clip), verb="decoded", unit="clips"):
        relative = path.relative_to(root).as_posix()
        try:
            clips.append(load_audio(path, sample_rate))
        except AudioError as error:
            skipped.append((relative, error.reason))
            print(f"skipped {relative}: {error.reason}", flush=True)
            continue
        labels.append(label)
        names.append(relative)
    check_every_genre_has_a_clip(found, labels, root, "could be decoded")
    return DecodedFolder(clips, np.asarray(labels, dtype=np.int32), tuple(names), tuple(found), tuple(skipped))


def check_every_genre_has_a_clip(clips_by_genre: dict, labels, root: Path | None, usable: str) -> None:
    labels = np.asarray(labels)
    for label, (genre, files) in enumerate(clips_by_genre.items()):
        if not (labels == label).any():
            where = f"in {root / genre}" if root is not None else f"of genre '{genre}'"
            raise UserError(f"genre '{genre}' has no usable clip: none of the {len(files)} files {where} {usable}")
