"""The built-in offline dataset: procedurally rendered 30 s songs in 8 genre-like styles.

Each genre is a `GenreStyle`: ranges for tempo, drum patterns, scale and pitch
register, timbre (harmonics, envelope, distortion) and noise. Every song draws
its own values from those ranges, and the ranges of different genres overlap.
On top of that, each group of attributes of a song is, with probability
STYLE_MIXING, borrowed from a random genre, so some songs sound like another
genre in one respect: the data set is learnable but not trivially separable.

The styles are in gtzan.synthetic_styles. The download stage keeps the songs as audio, named as GTZAN's clips; the featurize
stages compute each front-end's input from them (gtzan.featurize).

`python -m gtzan.synthetic FOLDER` writes the songs as a GTZAN-like audio folder
(<FOLDER>/<genre>/<genre>.000NN.wav, 22,050 Hz 16-bit mono), to try the audio
source (`data.source: FOLDER`) without the real clips.
"""

if __name__ == "__main__":
    import gtzan.quiet  # noqa: F401  (first: drops TensorFlow's start-up lines from stderr)

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile

from gtzan.cli import run_stage
from gtzan.errors import UserError, is_integer
from gtzan.files import staged_directory
from gtzan.progress import with_progress
from gtzan.synthetic_styles import ATTRIBUTE_GROUPS, GENRE_STYLES, GENRES, SCALES, STEPS_PER_BAR

# Probability that one attribute group of a song (tempo, drums, melody, timbre,
# noise) is drawn from a random genre's style instead of the song's own genre.
STYLE_MIXING = 0.15

@dataclass(frozen=True)
class Song:
    """One song's drawn parameters."""

    tempo: float
    swing: float
    drum_pattern: tuple[str, str, str]
    drum_level: float
    scale: tuple[int, ...]
    root: int
    notes_per_beat: float
    rest_probability: float
    pad_level: float
    harmonics: int
    rolloff: float
    attack: float
    decay: float
    distortion: float
    noise: float


def draw_song(genre_index: int, rng: np.random.Generator) -> Song:
    """Draw one song's parameters from its genre's style (each group borrowed elsewhere with STYLE_MIXING)."""
    if not 0 <= genre_index < len(GENRES):
        raise ValueError(f"genre_index must be in 0..{len(GENRES) - 1}, got {genre_index}")
    values = {}
    for fields in ATTRIBUTE_GROUPS.values():
        source = genre_index if rng.random() >= STYLE_MIXING else rng.integers(len(GENRES))
        style = GENRE_STYLES[GENRES[source]]
        for field in fields:
            values[field] = getattr(style, field)

    def uniform(low_high):
        return float(rng.uniform(*low_high))

    return Song(
        tempo=uniform(values["tempo"]),
        swing=uniform(values["swing"]),
        drum_pattern=values["drum_patterns"][rng.integers(len(values["drum_patterns"]))],
        drum_level=uniform(values["drum_level"]),
        scale=SCALES[values["scales"][rng.integers(len(values["scales"]))]],
        root=int(rng.integers(values["root"][0], values["root"][1] + 1)),
        notes_per_beat=float(rng.choice(values["notes_per_beat"])),
        rest_probability=uniform(values["rest_probability"]),
        pad_level=uniform(values["pad_level"]),
        harmonics=int(rng.integers(values["harmonics"][0], values["harmonics"][1] + 1)),
        rolloff=uniform(values["rolloff"]),
        attack=uniform(values["attack"]),
        decay=uniform(values["decay"]),
        distortion=uniform(values["distortion"]),
        noise=uniform(values["noise"]),
    )


def render_song(genre_index: int, rng: np.random.Generator, sample_rate: int, num_samples: int) -> np.ndarray:
    """A mono song of genre GENRES[genre_index], (num_samples,) float32 in [-1, 1]."""
    song = draw_song(genre_index, rng)
    return render(song, rng, sample_rate, num_samples)


def render(song: Song, rng: np.random.Generator, sample_rate: int, num_samples: int) -> np.ndarray:
    """Mix drums, bass, chords and melody of one song, add noise, normalize: (num_samples,) float32."""
    step_seconds = 60.0 / song.tempo / 4  # one 16th note
    drums = _render_drums(song, rng, sample_rate, num_samples, step_seconds)  # (samples,)
    tonal = _render_tonal(song, rng, sample_rate, num_samples, step_seconds)  # (samples,)
    if song.distortion > 0:
        gain = 1 + 20 * song.distortion
        tonal = np.tanh(gain * tonal / (np.abs(tonal).max() + 1e-9)) / np.tanh(gain)
    music = song.drum_level * _unit_rms(drums) + _unit_rms(tonal)  # (samples,)
    noise = rng.standard_normal(num_samples)
    audio = _unit_rms(music) + song.noise * noise  # (samples,)
    peak = float(rng.uniform(0.3, 0.95))
    return (peak * audio / (np.abs(audio).max() + 1e-9)).astype(np.float32)


def _unit_rms(signal: np.ndarray) -> np.ndarray:
    return signal / (np.sqrt(np.mean(signal**2)) + 1e-9)


def _onset_times(pattern: str, song: Song, num_bars: int, step_seconds: float) -> np.ndarray:
    """Onset times in seconds of a 16-step pattern repeated num_bars times, with swing."""
    steps = np.array([index for index, hit in enumerate(pattern) if hit == "x"])  # (hits_per_bar,)
    if steps.size == 0:
        return np.zeros(0)
    steps = (np.arange(num_bars)[:, None] * STEPS_PER_BAR + steps[None, :]).ravel()  # (hits,)
    offbeat = steps % 2 == 1
    return (steps + song.swing * offbeat) * step_seconds


def _place(track: np.ndarray, sound: np.ndarray, start: int, gain: float = 1.0) -> None:
    """Add sound into track at sample start, cut at the end of the track."""
    end = min(start + len(sound), len(track))
    if start < end:
        track[start:end] += gain * sound[: end - start]


def _render_drums(song, rng, sample_rate, num_samples, step_seconds) -> np.ndarray:
    """Kick (pitch-swept sine), snare (noise + tone) and hi-hat (high-passed noise), (samples,)."""
    t = np.arange(int(0.4 * sample_rate)) / sample_rate  # (template_samples,)
    kick_pitch = rng.uniform(45, 70)
    kick_phase = 2 * np.pi * (kick_pitch * t + (3 * kick_pitch) * 0.03 * (1 - np.exp(-t / 0.03)))
    kick = np.sin(kick_phase) * np.exp(-t / rng.uniform(0.08, 0.2))
    snare_noise = rng.standard_normal(t.size)
    snare_tone = np.sin(2 * np.pi * rng.uniform(160, 240) * t)
    snare = (0.7 * snare_noise + 0.5 * snare_tone) * np.exp(-t / rng.uniform(0.05, 0.12))
    hat_noise = np.diff(rng.standard_normal(t.size + 1))  # differencing tilts the noise to high frequencies
    hat = hat_noise * np.exp(-t / rng.uniform(0.01, 0.05))

    num_bars = int(np.ceil(num_samples / sample_rate / (STEPS_PER_BAR * step_seconds))) + 1
    track = np.zeros(num_samples)
    for pattern, sound, gain in zip(song.drum_pattern, (kick, snare, hat), (1.0, 0.6, 0.25)):
        for onset in _onset_times(pattern, song, num_bars, step_seconds):
            _place(track, sound, int(onset * sample_rate), gain * rng.uniform(0.7, 1.0))
    return track


def _midi_to_hertz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


@lru_cache(maxsize=128)
def _note(frequency, duration, song, sample_rate, harmonics=None, attack=None, decay=None) -> np.ndarray:
    """One note: additive partials under an attack/exponential-decay envelope, (duration_samples,).

    harmonics, attack and decay default to the song's timbre. A song plays the same
    few pitches over and over, so notes are cached (treat the result as read-only).
    """
    t = np.arange(int(duration * sample_rate)) / sample_rate  # (samples,)
    partials = np.arange(1, (harmonics or song.harmonics) + 1)
    partials = partials[partials * frequency < sample_rate / 2]  # (partials,) below Nyquist
    amplitudes = partials.astype(float) ** -song.rolloff  # (partials,)
    wave = amplitudes @ np.sin(2 * np.pi * frequency * partials[:, None] * t[None, :])  # (samples,)
    envelope = np.minimum(t / (attack or song.attack), 1.0) * np.exp(-t / (decay or song.decay))
    return wave * envelope


def _render_tonal(song, rng, sample_rate, num_samples, step_seconds) -> np.ndarray:
    """Bass on the chord roots, sustained chords (pad) and a random-walk melody, (samples,)."""
    beat_seconds = 4 * step_seconds
    bar_seconds = 4 * beat_seconds
    scale = np.array(song.scale)
    degrees = len(scale)

    def pitch(degree: int) -> int:  # scale degree (may be negative or beyond an octave) -> MIDI note
        return song.root + 12 * (degree // degrees) + scale[degree % degrees]

    track = np.zeros(num_samples)
    progression = rng.choice([0, 3, 4, 5, 1], size=4)  # chord roots (scale degrees), one per bar
    progression[0] = 0
    num_bars = int(np.ceil(num_samples / sample_rate / bar_seconds))
    for bar in range(num_bars):
        start = bar * bar_seconds
        chord = progression[bar % 4]
        # Bass: the chord root an octave down, once per beat.
        for beat in range(4):
            bass = _note(_midi_to_hertz(pitch(chord) - 12), beat_seconds, song, sample_rate, harmonics=3)
            _place(track, bass, int((start + beat * beat_seconds) * sample_rate), 0.6)
        # Pad: the chord's triad held over the bar.
        if song.pad_level > 0:
            for offset in (0, 2, 4):
                frequency = _midi_to_hertz(pitch(chord + offset))
                tone = _note(frequency, bar_seconds, song, sample_rate, attack=0.1, decay=2 * bar_seconds)
                _place(track, tone, int(start * sample_rate), song.pad_level)

    # Melody: a random walk over the scale, notes_per_beat notes each beat, some rests.
    note_seconds = beat_seconds / song.notes_per_beat
    degree = degrees
    for index in range(int(num_samples / sample_rate / note_seconds) + 1):
        degree = int(np.clip(degree + rng.integers(-2, 3), 0, 2 * degrees))
        if rng.random() < song.rest_probability:
            continue
        onset = index * note_seconds + song.swing * step_seconds * (index % 2)
        tone = _note(_midi_to_hertz(pitch(degree)), min(4 * song.decay, 2.0), song, sample_rate)
        _place(track, tone, int(onset * sample_rate), rng.uniform(0.6, 1.0))
    return track


def rendered_songs(
    songs_per_genre: int, seed: int, sample_rate: int, num_samples: int, *, verb: str
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Every song, genre by genre, as (genre index, number, (num_samples,) audio), with progress lines.

    Song (genre g, number s) is rendered from np.random.default_rng([seed, g, s]): it depends only on the seed.
    """
    songs = [(genre_index, number) for genre_index in range(len(GENRES)) for number in range(songs_per_genre)]
    for genre_index, number in with_progress(songs, total=len(songs), verb=verb, unit="songs"):
        rng = np.random.default_rng([seed, genre_index, number])
        yield genre_index, number, render_song(genre_index, rng, sample_rate, num_samples)


def render_synthetic_clips(*, songs_per_genre: int, seed: int, sample_rate: int, num_samples: int) -> tuple[list[np.ndarray], np.ndarray, list[str]]:
    """Render len(GENRES) x songs_per_genre songs: (clips, each (num_samples,) float32; labels (n,) int32; names).

    Song ids are genre * songs_per_genre + number (see rendered_songs); each is named as `python -m
    gtzan.synthetic` names the file it writes, GTZAN's way (blues/blues.00000.wav), for data.split filtered.
    """
    if not is_integer(songs_per_genre) or songs_per_genre < 2:
        raise UserError(f"data.synthetic.songs_per_genre must be an integer of at least 2 (one song per split), got {songs_per_genre!r}")
    clips = [audio for _, _, audio in rendered_songs(songs_per_genre, seed, sample_rate, num_samples, verb="rendered")]
    labels = np.repeat(np.arange(len(GENRES), dtype=np.int32), songs_per_genre)
    names = [f"{genre}/{genre}.{number:05d}.wav" for genre in GENRES for number in range(songs_per_genre)]
    return clips, labels, names


GTZAN_SAMPLE_RATE = 22050
GTZAN_CLIP_SECONDS = 30.0


def write_audio_folder(
    folder: Path | str,
    *,
    songs_per_genre: int,
    seed: int,
    sample_rate: int = GTZAN_SAMPLE_RATE,
    seconds: float = GTZAN_CLIP_SECONDS,
) -> Path:
    """Write len(GENRES) x songs_per_genre songs as <folder>/<genre>/<genre>.000NN.wav, 16-bit PCM.

    The songs are those of the synthetic data (see rendered_songs). The folder must not exist yet; it
    appears only once complete.
    """
    folder = Path(folder)
    if folder.exists():
        raise UserError(f"{folder} already exists: choose a new folder or remove it")
    if songs_per_genre < 1:
        raise UserError(f"songs_per_genre must be at least 1, got {songs_per_genre}")
    if seconds <= 0:
        raise UserError(f"seconds must be positive, got {seconds}")
    num_samples = int(round(seconds * sample_rate))
    with staged_directory(folder) as staging:
        for genre in GENRES:
            (staging / genre).mkdir()
        for genre_index, number, audio in rendered_songs(songs_per_genre, seed, sample_rate, num_samples, verb="wrote"):
            genre = GENRES[genre_index]
            soundfile.write(staging / genre / f"{genre}.{number:05d}.wav", audio, sample_rate, subtype="PCM_16")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gtzan.synthetic",
        description="Write the synthetic songs as a GTZAN-like audio folder: FOLDER/<genre>/<genre>.000NN.wav.",
    )
    parser.add_argument("folder", type=Path, help="a new folder to create")
    parser.add_argument("--songs-per-genre", type=int, default=100, help="default: %(default)s, as in GTZAN")
    parser.add_argument("--seed", type=int, default=42, help="default: %(default)s")
    parser.add_argument("--seconds", type=float, default=GTZAN_CLIP_SECONDS, help="clip length; default: %(default)s")
    args = parser.parse_args(argv)

    def run() -> None:
        folder = write_audio_folder(
            args.folder, songs_per_genre=args.songs_per_genre, seed=args.seed, seconds=args.seconds
        )
        print(f"Wrote {len(GENRES) * args.songs_per_genre} songs of {len(GENRES)} genres to {folder}")

    return run_stage(run)


if __name__ == "__main__":
    sys.exit(main())
