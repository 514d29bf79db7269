"""The evaluate stage: how one saved model does on the validation side, and on the test side where the split
protocol has one (gtzan.splits), genre by genre and song by song.

Writes, at the paths dvc.yaml gives, for each scored side ("val", "test"):
    <out>/metrics.json         "data": the data and its split protocol in words; per side: accuracy, macro F1
                               and, where the data has song ids, song accuracy, each accuracy with its 95 %
                               bootstrap interval (gtzan.compare) and what the bootstrap resampled (the columns
                               of `dvc exp show`: val.accuracy, test.accuracy, ...)
    <out>/scores.json          per side: per-genre precision/recall/F1, the confusion matrix and the dominant
                               confusions (the report's tables)
    <predictions>/<side>.csv   every segment of the side: actual and predicted genre (DVC's confusion plot),
                               its song and the song's predicted genre where the data has song ids (the
                               report's paired comparisons) and its class probabilities (the ensemble's input)

The ensemble stage scores its mean probabilities with the same `write_evaluation`; the predictions files'
format is gtzan.predictions'. Also the one place where a saved model is loaded (`load_model`), for evaluate
and predict alike.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from gtzan import compare
from gtzan.errors import UserError
from gtzan.predictions import Predictions, write_predictions
from gtzan.prepared import SIDE_WORDS, check_trained_on, describe_data, load_prepared, load_song_ids, load_summary, scored_sides
from gtzan.songs import song_outcomes

if TYPE_CHECKING:
    import keras

TOP_CONFUSIONS = 5
PREDICT_BATCH_SIZE = 256


def resolve_class_names(configured: list | None, default: list[str], num_classes: int) -> list[str]:
    """params.yaml's data.class_names if given, else the dataset's own names (class ids for the Drive data)."""
    if configured is None:
        return [str(name) for name in default]
    if not isinstance(configured, list) or len(configured) != num_classes:
        raise UserError(
            f"params.yaml data.class_names must be null or a list of {num_classes} names (one per class id), "
            f"got {configured!r}"
        )
    return [str(name) for name in configured]


def load_model(model_path: Path | str) -> "keras.Model":
    """The saved keras model, or a UserError saying why it cannot be had."""
    import keras  # here, not above: the ensemble stage scores probabilities without TensorFlow

    model_path = Path(model_path)
    if not model_path.exists():
        raise UserError(f"model file {model_path} not found: train it first (dvc repro)")
    if not model_path.is_file():
        raise UserError(f"{model_path} is a directory, not a saved keras model (.keras file)")
    try:
        return keras.models.load_model(model_path)
    except Exception as error:  # keras raises ValueError, OSError, zipfile errors...
        first_line = (str(error).strip().splitlines() or ["no details"])[0][:200]
        raise UserError(
            f"{model_path} ({model_path.stat().st_size:,} bytes) cannot be loaded as a keras model "
            f"({type(error).__name__}: {first_line}): `dvc checkout {model_path}` restores the trained copy "
            "from DVC's cache, or `dvc repro` retrains it"
        ) from error


def predict_probabilities(model: "keras.Model", spectrograms: np.ndarray) -> np.ndarray:
    """(n, classes) class probabilities in inference mode: augmentation and dropout off."""
    return model.predict(spectrograms, batch_size=PREDICT_BATCH_SIZE, verbose=0)


def confusion_matrix(actual: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """(actual, predicted) counts, shape (num_classes, num_classes)."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (actual, predicted), 1)
    return matrix


def precision_recall_f1(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per class: precision, recall, F1 (0 where undefined, as for a class never predicted) and support."""
    true_positives = np.diag(confusion).astype(np.float64)
    predicted_counts, support = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(true_positives, predicted_counts, out=np.zeros_like(true_positives), where=predicted_counts > 0)
    recall = np.divide(true_positives, support, out=np.zeros_like(true_positives), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros_like(true_positives), where=denominator > 0)
    return precision, recall, f1, support


def scores(actual: np.ndarray, predicted: np.ndarray, class_names: list[str]) -> dict:
    """Per-genre precision/recall/F1/support, the confusion matrix and the most frequent confusions."""
    labels = range(len(class_names))
    confusion = confusion_matrix(actual, predicted, len(class_names))
    precision, recall, f1, support = precision_recall_f1(confusion)
    per_genre = {
        name: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(s)}
        for name, p, r, f, s in zip(class_names, precision, recall, f1, support)
    }
    errors = confusion.copy()
    np.fill_diagonal(errors, 0)
    total_errors = int(errors.sum())
    pairs = sorted(
        ((int(errors[a, p]), a, p) for a in labels for p in labels if errors[a, p]),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )[:TOP_CONFUSIONS]
    return {
        "per_genre": per_genre,
        "confusion": {"rows": "actual", "columns": "predicted", "class_names": list(class_names), "counts": confusion.tolist()},
        "top_confusions": [
            {
                "actual": class_names[a],
                "predicted": class_names[p],
                "count": count,
                "share_of_errors": round(count / total_errors, 4),
            }
            for count, a, p in pairs
        ],
    }


@dataclass(frozen=True, eq=False)
class Side:
    """What one side (validation or test) is scored on: the actual class ids and a model's probabilities."""

    actual: np.ndarray  # (n,) class ids
    probabilities: np.ndarray  # (n, classes)
    song_ids: np.ndarray | None = None  # (n,), None where the data has none


def evaluate_saved_model(
    *, model_path: Path, data_dir: Path, out_dir: Path, predictions_dir: Path, configured_class_names: list | None,
    seed: int, inputs: Callable[[str, "keras.Model"], np.ndarray] | None = None,
) -> None:
    """The evaluate stage: the saved model on each scored side of the prepared data in data_dir, written by
    write_evaluation. inputs(side, model) gives the model's input for the side's segments, in their order; by default
    the prepared spectrograms (a pretrained network's probe takes its own windows, gtzan.transfer)."""
    summary = load_summary(data_dir)
    class_names = resolve_class_names(configured_class_names, summary["class_names"], summary["num_classes"])
    model = load_model(model_path)
    check_trained_on(model_path, data_dir)
    sides = {}
    for side in scored_sides(summary):
        spectrograms, actual = load_prepared(data_dir, side)
        model_inputs = spectrograms if inputs is None else inputs(side, model)
        sides[side] = Side(actual, predict_probabilities(model, model_inputs), load_song_ids(data_dir, side))
    metrics, scores_by_side = write_evaluation(out_dir=out_dir, predictions_dir=predictions_dir, sides=sides,
                                               class_names=class_names, seed=seed, data=describe_data(summary))
    for side in sides:
        print(f"{model_path}: {describe_side(side, metrics[side], scores_by_side[side])}")


def write_evaluation(
    *,
    out_dir: Path,
    predictions_dir: Path,
    sides: dict[str, Side],
    class_names: list[str],
    seed: int,
    data: str,
    members: list[str] | None = None,
) -> tuple[dict, dict]:
    """Score each side; write metrics.json and scores.json into out_dir and <side>.csv into predictions_dir;
    return (metrics, scores), both by side. data: the data and its split protocol in words, recorded in
    metrics.json; members: the ensemble's members, recorded too."""
    metrics, scores_by_side = {"data": data}, {}
    if members is not None:
        metrics["members"] = list(members)
    predictions_dir = Path(predictions_dir)
    predictions_dir.mkdir(parents=True, exist_ok=True)
    for name, side in sides.items():
        metrics[name], scores_by_side[name], predictions = score_side(side, class_names, seed)
        write_predictions(predictions_dir / f"{name}.csv", predictions)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out_dir / "scores.json").write_text(json.dumps(scores_by_side, indent=2) + "\n")
    return metrics, scores_by_side


def score_side(side: Side, class_names: list[str], seed: int) -> tuple[dict, dict, Predictions]:
    """(metrics, scores, predictions) of one side. The accuracies' intervals resample songs where the side has
    song ids, else segments (compare.accuracy)."""
    actual, probabilities, song_ids = side.actual, side.probabilities, side.song_ids
    predicted = probabilities.argmax(axis=1)
    _, _, f1, support = precision_recall_f1(confusion_matrix(actual, predicted, len(class_names)))
    segment = compare.accuracy(predicted == actual, song_ids, seed=seed).rounded()
    metrics = {"accuracy": segment.value, "accuracy_ci_low": segment.low, "accuracy_ci_high": segment.high,
               "macro_f1": round(float(f1[support > 0].mean()), 6), "segments": len(actual)}
    song_predicted = None
    if song_ids is not None:
        songs, song_labels, predicted_per_song = song_outcomes(probabilities, actual, song_ids)
        # each song is one item, in the order (and so with the resamples) of the segment interval's groups
        song = compare.accuracy(predicted_per_song == song_labels, seed=seed).rounded()
        metrics.update(song_accuracy=song.value, song_accuracy_ci_low=song.low, song_accuracy_ci_high=song.high,
                       songs=len(songs))
        song_predicted = predicted_per_song[np.searchsorted(songs, song_ids)]
    metrics["bootstrap_unit"] = "segment" if song_ids is None else "song"
    predictions = Predictions(class_names=list(class_names), actual=actual, predicted=predicted, song_ids=song_ids,
                              song_predicted=song_predicted, probabilities=probabilities)
    return metrics, scores(actual, predicted, class_names), predictions


def describe_side(side: str, metrics: dict, scores: dict) -> str:
    """One side's figures in one line, for the stages' output: accuracies with their intervals, macro F1, the weakest genre."""
    worst, worst_scores = min(scores["per_genre"].items(), key=lambda item: item[1]["f1"])
    songs = (f", song accuracy {metrics['song_accuracy']:.3f} [{metrics['song_accuracy_ci_low']:.3f}, "
             f"{metrics['song_accuracy_ci_high']:.3f}]" if "song_accuracy" in metrics else "")
    return (f"{SIDE_WORDS[side]} accuracy {metrics['accuracy']:.3f} [{metrics['accuracy_ci_low']:.3f}, "
            f"{metrics['accuracy_ci_high']:.3f}]{songs}, macro F1 {metrics['macro_f1']:.3f}, "
            f"weakest genre {worst} (F1 {worst_scores['f1']:.2f})")
