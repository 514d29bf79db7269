"""Predict the genre of an audio file with a trained model.

    python -m gtzan.predict AUDIO_FILE [--model models/cnn_gru.keras] [--prepared data/prepared]
                                       [--top 3] [--segments]

--model is a saved .keras model or the ensemble stage's manifest (models/ensemble.json): then every
member model classifies the segments and their probabilities are averaged, as the ensemble stage does.
A pretrained network's probe (models/musicnn.keras, gtzan.transfer) is given each segment's window of
musicnn's own input instead, as its evaluate stage gives it.
The file goes through the same front-end and standardization as the model's training data, both
read from <prepared>/summary.json; every full segment of the file is classified and the segment
probabilities are averaged into one prediction for the whole file. Only data this project rendered
or decoded (data.source synthetic or an audio folder) records its front-end; a model trained on the
Drive data, whose front-end is unknown, is refused.
"""

if __name__ == "__main__":
    import gtzan.quiet  # noqa: F401  (first: drops TensorFlow's start-up lines from stderr)

import argparse  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gtzan.audio import AudioError, load_audio
from gtzan.featurize import audio_segments
from gtzan.cli import run_stage
from gtzan.ensemble import member_models
from gtzan.errors import UserError
from gtzan.evaluate import load_model, predict_probabilities
from gtzan.frontend import FrontEnd
from gtzan.prepared import SUMMARY_FILE, check_trained_on, describe_data, load_summary, standardize


@dataclass(frozen=True)
class TrainingSetup:
    """What a model's input was made with: the front-end, the per-mel-bin statistics, the class names."""

    frontend: FrontEnd
    mean: np.ndarray  # (mel_bins,) float64
    std: np.ndarray  # (mel_bins,) float64
    class_names: tuple[str, ...]
    data: str  # gtzan.prepared.describe_data: what the model was trained on, its split protocol and side sizes


@dataclass(frozen=True, eq=False)
class Prediction:
    """A model's genre probabilities for one audio file, per segment and for the whole file."""

    path: Path
    class_names: tuple[str, ...]
    probabilities: np.ndarray  # (classes,) mean of the segment probabilities
    segment_probabilities: np.ndarray  # (segments, classes)
    segment_seconds: float
    model: str = ""  # the model file and the data it was trained on, in words

    def top(self, k: int) -> list[tuple[str, float]]:
        """The k most probable genres of the whole file, most probable first."""
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(self.class_names[index], float(self.probabilities[index])) for index in order]


def read_training_setup(prepared_dir: Path | str) -> TrainingSetup:
    """The front-end, standardization and class names recorded in <prepared_dir>/summary.json."""
    summary_path = Path(prepared_dir) / SUMMARY_FILE
    summary = load_summary(prepared_dir)
    source = summary.get("source", {})
    if "frontend" not in source:
        raise UserError(
            f"the model was trained on data whose front-end this project cannot reproduce "
            f"(data.source '{source.get('source', 'unknown')}' in {summary_path}); to predict from audio, "
            "train on data.source=synthetic or an audio folder"
        )
    try:
        frontend = FrontEnd(**source["frontend"])
        mean = np.asarray(summary["standardization"]["mean"], dtype=np.float64)
        std = np.asarray(summary["standardization"]["std"], dtype=np.float64)
        class_names = tuple(str(name) for name in summary["class_names"])
    except (KeyError, TypeError) as error:
        raise UserError(f"{summary_path} is not a summary written by the prepare stage ({error!r})") from error
    if mean.shape != (frontend.num_mel_bins,) or std.shape != (frontend.num_mel_bins,):
        raise UserError(
            f"{summary_path}: standardization mean and std have shapes {mean.shape} and {std.shape}, "
            f"expected ({frontend.num_mel_bins},) (one per mel bin)"
        )
    return TrainingSetup(frontend=frontend, mean=mean, std=std, class_names=class_names, data=describe_data(summary))


def predict_file(audio_path: Path | str, *, model_path: Path | str, prepared_dir: Path | str) -> Prediction:
    """Classify every full segment of audio_path and average the probabilities over the file.

    The file is decoded at the training front-end's sample rate, cut into as many segments as it
    holds (a 30 s GTZAN clip gives segments_per_clip), standardized like the prepared data, and
    classified with model.predict (inference mode: augmentation and dropout off). model_path may be
    an ensemble manifest: each member classifies the segments, and their probabilities are averaged.
    """
    audio_path, model_path = Path(audio_path), Path(model_path)
    setup = read_training_setup(prepared_dir)
    frontend = setup.frontend
    models = []  # (path, model)
    for path in member_models(model_path) if model_path.suffix == ".json" else [model_path]:
        models.append((path, load_model(path)))
        check_trained_on(path, prepared_dir)
    audio = load_audio(audio_path, frontend.sample_rate)  # (samples,)
    try:
        segments = audio_segments(audio, frontend, max_segments=max(1, len(audio) // frontend.segment_samples))
    except AudioError as error:
        raise error.naming(audio_path) from None
    standardized = standardize(segments, setup.mean, setup.std)
    segment_seconds = frontend.segment_samples / frontend.sample_rate
    segment_probabilities = np.mean([
        _probabilities(model, path, _inputs_for(model, audio_path, standardized, segment_seconds), setup, prepared_dir)
        for path, model in models
    ], axis=0)  # (segments, classes)
    return Prediction(
        path=audio_path,
        class_names=setup.class_names,
        probabilities=segment_probabilities.mean(axis=0),
        segment_probabilities=segment_probabilities,
        segment_seconds=segment_seconds,
        model=f"{model_path}, trained on {setup.data}",
    )


def _inputs_for(model, audio_path: Path, segments: np.ndarray, segment_seconds: float) -> np.ndarray:
    """The model's input for the file's segments: the standardized log-mel segments, or a probe's windows."""
    from gtzan.musicnn import MusicnnInput
    from gtzan.transfer import file_windows, window_length

    length = window_length(model)
    if length is None:
        return segments
    audio = load_audio(audio_path, MusicnnInput().sample_rate)  # (samples,)
    return file_windows(audio, segments=len(segments), segment_seconds=segment_seconds, length=length)


def _probabilities(model, model_path: Path, inputs: np.ndarray, setup: TrainingSetup, prepared_dir: Path | str) -> np.ndarray:
    """(segments, classes): one model's probabilities, once its input and output fit the prepared data."""
    if tuple(model.input_shape[1:]) != inputs.shape[1:]:
        raise UserError(
            f"the model {model_path} takes inputs of shape {tuple(model.input_shape[1:])}, but the front-end in "
            f"{prepared_dir} makes segments of {setup.frontend.segment_shape}: are they from the same run?"
        )
    probabilities = predict_probabilities(model, inputs)
    if probabilities.shape[1] != len(setup.class_names):
        raise UserError(
            f"the model {model_path} has {probabilities.shape[1]} outputs but {prepared_dir} names "
            f"{len(setup.class_names)} classes: are the model and the prepared data from the same run?"
        )
    return probabilities


def format_prediction(prediction: Prediction, *, top: int, segments: bool) -> str:
    """The lines the command prints: the top genres of the file, then optionally one line per segment."""
    count = len(prediction.segment_probabilities)
    lines = [f"{prediction.path}: {count} segments of {prediction.segment_seconds:g} s"]
    if prediction.model:
        lines.append(f"model: {prediction.model}")
    width = max(len(name) for name in prediction.class_names)
    lines += [f"  {name:<{width}}  {probability:.3f}" for name, probability in prediction.top(top)]
    if segments:
        lines.append("segments:")
        for index, probabilities in enumerate(prediction.segment_probabilities):
            start, end = index * prediction.segment_seconds, (index + 1) * prediction.segment_seconds
            best = int(np.argmax(probabilities))
            lines.append(f"  {start:7.1f} - {end:7.1f} s  {prediction.class_names[best]:<{width}}  {probabilities[best]:.3f}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m gtzan.predict", description="Predict the genre of an audio file.")
    parser.add_argument("audio_file", type=Path, help="any format libsndfile reads: WAV, AU, FLAC, OGG, AIFF...")
    parser.add_argument(
        "--model",
        type=Path,
        default=Path("models/cnn_gru.keras"),
        help="a saved .keras model, or models/ensemble.json for the ensemble; default: %(default)s",
    )
    parser.add_argument(
        "--prepared",
        type=Path,
        default=Path("data/prepared"),
        help="the prepared data the model was trained on (its summary.json); default: %(default)s",
    )
    parser.add_argument("--top", type=int, default=3, help="how many genres to list; default: %(default)s")
    parser.add_argument("--segments", action="store_true", help="also print the top genre of every segment")
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error(f"--top must be at least 1, got {args.top}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def run() -> None:
        prediction = predict_file(args.audio_file, model_path=args.model, prepared_dir=args.prepared)
        print(format_prediction(prediction, top=args.top, segments=args.segments))

    return run_stage(run)


if __name__ == "__main__":
    sys.exit(main())
