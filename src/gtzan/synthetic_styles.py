"""The synthetic data's eight genre-like styles (gtzan.synthetic): the ranges and choices each song of a genre
draws its tempo, drums, melody, timbre and noise from."""

from dataclasses import dataclass

STEPS_PER_BAR = 16  # drum patterns are written in 16th notes, one 4/4 bar

SCALES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "major_pentatonic": (0, 2, 4, 7, 9),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
}


@dataclass(frozen=True)
class GenreStyle:
    """Class-dependent ranges (low, high) and choices a song draws its parameters from."""

    tempo: tuple[float, float]  # beats per minute
    swing: tuple[float, float]  # delay of off-beat 16ths, fraction of a 16th
    drum_patterns: tuple[tuple[str, str, str], ...]  # (kick, snare, hat), 16 steps each, "x" = hit
    drum_level: tuple[float, float]
    scales: tuple[str, ...]
    root: tuple[int, int]  # MIDI note of the melody's lowest scale degree
    notes_per_beat: tuple[float, ...]
    rest_probability: tuple[float, float]
    pad_level: tuple[float, float]  # sustained chords
    harmonics: tuple[int, int]  # number of partials
    rolloff: tuple[float, float]  # partial h has amplitude h ** -rolloff
    attack: tuple[float, float]  # seconds
    decay: tuple[float, float]  # seconds, exponential time constant
    distortion: tuple[float, float]  # 0 = clean, 1 = heavy tanh clipping
    noise: tuple[float, float]  # white-noise level relative to the music's RMS


_BACKBEAT = "....x.......x..."
GENRE_STYLES = {
    "blues": GenreStyle(
        tempo=(60, 115), swing=(0.25, 0.45),
        drum_patterns=(
            ("x.....x.x.....x.", _BACKBEAT, "x..xx..xx..xx..x"),
            ("x.......x.......", _BACKBEAT, "x.x.x.x.x.x.x.x."),
        ),
        drum_level=(0.2, 0.5), scales=("blues", "minor_pentatonic", "mixolydian"), root=(43, 57),
        notes_per_beat=(1, 2, 3), rest_probability=(0.2, 0.4), pad_level=(0.0, 0.3),
        harmonics=(6, 11), rolloff=(1.0, 1.6), attack=(0.005, 0.02), decay=(0.2, 0.5),
        distortion=(0.0, 0.4), noise=(0.05, 0.25),
    ),
    "classical": GenreStyle(
        tempo=(50, 130), swing=(0.0, 0.05),
        drum_patterns=(
            ("................", "................", "................"),
        ),
        drum_level=(0.0, 0.1), scales=("major", "minor"), root=(48, 67),
        notes_per_beat=(1, 2), rest_probability=(0.0, 0.2), pad_level=(0.4, 0.9),
        harmonics=(8, 15), rolloff=(1.3, 2.0), attack=(0.05, 0.25), decay=(0.5, 1.5),
        distortion=(0.0, 0.0), noise=(0.01, 0.1),
    ),
    "country": GenreStyle(
        tempo=(90, 145), swing=(0.0, 0.15),
        drum_patterns=(
            ("x.......x.......", _BACKBEAT, "..x...x...x...x."),
            ("x...x...x...x...", _BACKBEAT, "x.x.x.x.x.x.x.x."),
        ),
        drum_level=(0.3, 0.6), scales=("major_pentatonic", "major", "mixolydian"), root=(50, 64),
        notes_per_beat=(2, 3), rest_probability=(0.1, 0.3), pad_level=(0.0, 0.3),
        harmonics=(9, 15), rolloff=(0.8, 1.2), attack=(0.002, 0.01), decay=(0.1, 0.3),
        distortion=(0.0, 0.2), noise=(0.03, 0.15),
    ),
    "disco": GenreStyle(
        tempo=(110, 132), swing=(0.0, 0.05),
        drum_patterns=(
            ("x...x...x...x...", _BACKBEAT, "..x...x...x...x."),
            ("x...x...x...x...", _BACKBEAT, "xxxxxxxxxxxxxxxx"),
        ),
        drum_level=(0.5, 0.8), scales=("minor", "dorian", "major"), root=(45, 60),
        notes_per_beat=(2, 4), rest_probability=(0.1, 0.3), pad_level=(0.1, 0.4),
        harmonics=(4, 9), rolloff=(1.0, 1.5), attack=(0.005, 0.02), decay=(0.1, 0.25),
        distortion=(0.0, 0.2), noise=(0.03, 0.15),
    ),
    "hiphop": GenreStyle(
        tempo=(70, 100), swing=(0.1, 0.3),
        drum_patterns=(
            ("x......x..x.....", _BACKBEAT, "x.x.x.x.x.x.x.x."),
            ("x.....x...x..x..", _BACKBEAT, "x.xxx.x.x.xxx.x."),
        ),
        drum_level=(0.6, 0.9), scales=("minor", "minor_pentatonic", "phrygian"), root=(36, 52),
        notes_per_beat=(1, 2), rest_probability=(0.3, 0.6), pad_level=(0.0, 0.3),
        harmonics=(2, 6), rolloff=(1.5, 2.5), attack=(0.01, 0.05), decay=(0.3, 0.8),
        distortion=(0.0, 0.3), noise=(0.05, 0.25),
    ),
    "jazz": GenreStyle(
        tempo=(90, 200), swing=(0.25, 0.45),
        drum_patterns=(
            ("x.........x.....", "......x.......x.", "x...x.xx..x.x.xx"),
            ("x.......x.......", "..x.......x.....", "x...x..xx...x..x"),
        ),
        drum_level=(0.15, 0.4), scales=("dorian", "mixolydian", "major"), root=(48, 65),
        notes_per_beat=(1, 2, 3), rest_probability=(0.2, 0.4), pad_level=(0.1, 0.5),
        harmonics=(3, 7), rolloff=(1.6, 2.4), attack=(0.01, 0.04), decay=(0.2, 0.5),
        distortion=(0.0, 0.0), noise=(0.02, 0.12),
    ),
    "metal": GenreStyle(
        tempo=(100, 190), swing=(0.0, 0.05),
        drum_patterns=(
            ("x.x.x.x.x.x.x.x.", _BACKBEAT, "x.x.x.x.x.x.x.x."),
            ("xxxxxxxxxxxxxxxx", _BACKBEAT, "x...x...x...x..."),
        ),
        drum_level=(0.5, 0.9), scales=("minor", "phrygian", "minor_pentatonic"), root=(38, 52),
        notes_per_beat=(2, 4), rest_probability=(0.0, 0.2), pad_level=(0.0, 0.2),
        harmonics=(10, 16), rolloff=(0.6, 1.0), attack=(0.002, 0.01), decay=(0.1, 0.3),
        distortion=(0.6, 1.0), noise=(0.1, 0.4),
    ),
    "pop": GenreStyle(
        tempo=(95, 130), swing=(0.0, 0.1),
        drum_patterns=(
            ("x.......x.x.....", _BACKBEAT, "x.x.x.x.x.x.x.x."),
            ("x...x...x...x...", _BACKBEAT, "x.x.x.x.x.x.x.x."),
        ),
        drum_level=(0.4, 0.7), scales=("major", "major_pentatonic"), root=(55, 70),
        notes_per_beat=(1, 2), rest_probability=(0.1, 0.3), pad_level=(0.1, 0.5),
        harmonics=(5, 10), rolloff=(1.1, 1.6), attack=(0.005, 0.02), decay=(0.15, 0.4),
        distortion=(0.0, 0.2), noise=(0.02, 0.12),
    ),
}
GENRES = tuple(GENRE_STYLES)  # ("blues", "classical", ..., "pop"), class id = index

# Attribute groups: a song draws each group from one genre's style (its own, or another with gtzan.synthetic.STYLE_MIXING).
ATTRIBUTE_GROUPS = {
    "tempo": ("tempo", "swing"),
    "drums": ("drum_patterns", "drum_level"),
    "melody": ("scales", "root", "notes_per_beat", "rest_probability", "pad_level"),
    "timbre": ("harmonics", "rolloff", "attack", "decay", "distortion"),
    "noise": ("noise",),
}
