"""The featurize stage: the decoded clips of data/raw/ -> the nine architectures' input, data/features/logmel/.

    decoded clip (samples,)  --audio_segments-->  (segments, segment_frames, mel_bins, 1), at most
                                                  frontend.segments_per_clip, log-mel (gtzan.frontend)

A full 30 s clip gives frontend.segments_per_clip segments (15 with the defaults); a shorter clip gives as
many full segments as it holds; a clip shorter than one segment is skipped and reported. The segments are
written unsplit, every one with its song (clip) id and every song with its clip name (gtzan.datasets), for
prepare's split (gtzan.splits) and the song-level scores (gtzan.songs). The Drive data, which holds
spectrograms and no audio, is copied as it is.

The audio is decoded once, by download; each front-end computes its own input from it in a stage of its
own: this one, and a pretrained network's (gtzan.transfer's featurize_pretrained stage).
"""

import dataclasses
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gtzan.audio import AudioError, check_every_genre_has_a_clip
from gtzan.datasets import AUDIO_DIR, SEGMENTS_DIR, SOURCE_FILE, GIVEN_SIDES, load_decoded, read_source, save_segments
from gtzan.errors import is_integer
from gtzan.files import staged_directory
from gtzan.frontend import FrontEnd, clip_to_segments
from gtzan.progress import with_progress


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


def audio_segments(audio: np.ndarray, frontend: FrontEnd, max_segments: int | None = None) -> np.ndarray:
    """Mono audio (samples,) -> (n, segment_frames, mel_bins, 1) float32 log-mel segments.

    n is the number of full segments the audio holds, at most max_segments (default
    frontend.segments_per_clip). The segments are the front-end's log-mel of the first
    n * segment_samples samples, cut in n, exactly as a clip of n segments is cut in training.
    Raises AudioError if the audio is shorter than one segment.
    """
    max_segments = frontend.segments_per_clip if max_segments is None else max_segments
    if not is_integer(max_segments) or max_segments < 1:
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


def segment_clips(
    clips: Sequence[np.ndarray], labels: np.ndarray, names: Sequence[str], genres: Sequence[str], frontend: FrontEnd
) -> AudioDataset:
    """Decoded clips (mono at frontend.sample_rate) with their labels and names -> the front-end's segments.

    Song ids count the clips that give at least one segment; shorter clips are reported by name and skipped.
    """
    spectrograms, segment_labels, song_ids, songs, skipped = [], [], [], [], []
    for audio, label, name in with_progress(list(zip(clips, labels, names)), total=len(clips), verb="cut", unit="clips"):
        try:
            segments = audio_segments(audio, frontend)  # (n, frames, mel, 1)
        except AudioError as error:
            skipped.append((name, error.reason))
            print(f"skipped {name}: {error.reason}", flush=True)
            continue
        spectrograms.append(segments)
        segment_labels.append(np.full(len(segments), label, dtype=np.int32))
        song_ids.append(np.full(len(segments), len(songs), dtype=np.int32))
        songs.append(name)
    segment_labels = np.concatenate(segment_labels) if segment_labels else np.zeros(0, dtype=np.int32)
    by_genre = {genre: [name for name, label in zip(names, labels) if label == index] for index, genre in enumerate(genres)}
    check_every_genre_has_a_clip(by_genre, segment_labels, None, f"is at least one segment ({frontend.segment_samples / frontend.sample_rate:g} s) long")
    return AudioDataset(
        spectrograms=np.concatenate(spectrograms),
        labels=segment_labels,
        song_ids=np.concatenate(song_ids),
        genres=tuple(genres),
        songs=tuple(songs),
        skipped=tuple(skipped),
    )


def featurize_logmel(*, raw_dir: Path, out_dir: Path, frontend_settings: dict) -> dict:
    """The log-mel segments of every clip of raw_dir (or the Drive data's datasets, copied) into out_dir; return its source.json."""
    raw_dir = Path(raw_dir)
    source = read_source(raw_dir)
    with staged_directory(out_dir) as staging:
        if not (raw_dir / AUDIO_DIR).is_dir():
            print(f"{raw_dir} holds spectrograms already (the Drive data or saved datasets): copying them.", flush=True)
            for side in GIVEN_SIDES:
                shutil.copytree(raw_dir / side, staging / side)
        else:
            frontend = FrontEnd(**frontend_settings)
            decoded = load_decoded(raw_dir / AUDIO_DIR, frontend.sample_rate)
            clips = [decoded.clip(index) for index in range(len(decoded.names))]
            dataset = segment_clips(clips, decoded.labels, decoded.names, source["class_names"], frontend)
            save_segments(staging / SEGMENTS_DIR, dataset.spectrograms, dataset.labels, dataset.song_ids, list(dataset.songs))
            skipped = [{"clip": clip, "reason": reason} for clip, reason in dataset.skipped]
            source = {**source, "frontend": frontend_settings, "skipped": source.get("skipped", []) + skipped}
        (staging / SOURCE_FILE).write_text(json.dumps(source, indent=2, sort_keys=True) + "\n")
    return source
