"""The evaluate stage: how one saved model does on the validation split, genre by genre and song by song.

Writes, at the paths dvc.yaml gives:
    <out>/metrics.json   accuracy, macro F1 and, where the data has song ids, song accuracy, each
                         accuracy with its 95 % bootstrap interval (gtzan.compare) and what the
                         bootstrap resampled (the columns of `dvc exp show`)
    <out>/scores.json    the same plus per-genre precision/recall/F1, the confusion matrix and the
                         dominant confusions (the report's source)
    <predictions>.csv    actual and predicted genre of every validation segment (DVC's confusion plot)
                         and, where the data has song ids, its song and the song's predicted genre
                         (the report's paired comparisons)
    <probabilities>.json every validation segment's class probabilities (the ensemble's input)

The ensemble stage scores its mean probabilities with the same `write_evaluation`.
Also the one place where a saved model is loaded (`load_model`), for evaluate and predict alike.
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gtzan import compare
from gtzan.errors import UserError
from gtzan.songs import song_outcomes

if TYPE_CHECKING:
    import keras

TOP_CONFUSIONS = 5
PREDICT_BATCH_SIZE = 256
# scores.json's keys in metrics.json
METRIC_KEYS = (
    "accuracy", "accuracy_ci_low", "accuracy_ci_high", "macro_f1",
    "song_accuracy", "song_accuracy_ci_low", "song_accuracy_ci_high", "songs", "bootstrap_unit",
)


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
        raise UserError(f"model file {model_path} not found: train it first (dvc repro train@<name>)")
    if not model_path.is_file():
        raise UserError(f"{model_path} is a directory, not a saved keras model (.keras file)")
    try:
        return keras.models.load_model(model_path)
    except Exception as error:  # keras raises ValueError, OSError, zipfile errors...
        first_line = (str(error).strip().splitlines() or ["no details"])[0][:200]
        raise UserError(
            f"{model_path} ({model_path.stat().st_size:,} bytes) cannot be loaded as a keras model "
            f"({type(error).__name__}: {first_line}): `dvc checkout {model_path}` restores the trained copy "
            f"from DVC's cache, or retrain it (dvc repro -f train@{model_path.stem})"
        ) from error


def predict_probabilities(model: "keras.Model", spectrograms: np.ndarray) -> np.ndarray:
    """(n, classes) class probabilities in inference mode: augmentation and dropout off."""
    return model.predict(spectrograms, batch_size=PREDICT_BATCH_SIZE, verbose=0)


def confusion_matrix(actual: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """(actual, predicted) counts, shape (num_classes, num_classes)."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (actual, predicted), 1)
    return matrix


def scores(confusion: np.ndarray, class_names: list[str]) -> dict:
    """Accuracy, macro F1, per-genre precision/recall/F1/support and the most frequent confusions."""
    true_positives = np.diag(confusion).astype(np.float64)
    predicted_counts = confusion.sum(axis=0)
    support = confusion.sum(axis=1)
    precision = np.divide(true_positives, predicted_counts, out=np.zeros_like(true_positives), where=predicted_counts > 0)
    recall = np.divide(true_positives, support, out=np.zeros_like(true_positives), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros_like(true_positives), where=denominator > 0)

    per_genre = {
        name: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(s)}
        for name, p, r, f, s in zip(class_names, precision, recall, f1, support)
    }
    errors = confusion.copy()
    np.fill_diagonal(errors, 0)
    total_errors = int(errors.sum())
    pairs = sorted(
        ((int(errors[a, p]), a, p) for a in range(len(class_names)) for p in range(len(class_names)) if errors[a, p]),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )[:TOP_CONFUSIONS]
    return {
        "accuracy": round(float(true_positives.sum() / confusion.sum()), 6),
        "macro_f1": round(float(f1[support > 0].mean()), 6),
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


def write_evaluation(
    *,
    out_dir: Path,
    predictions_path: Path,
    actual: np.ndarray,
    probabilities: np.ndarray,
    class_names: list[str],
    seed: int,
    song_ids: np.ndarray | None = None,
    probabilities_path: Path | None = None,
    members: list[str] | None = None,
) -> dict:
    """Score the (n, classes) probabilities against the actual class ids; write the outputs; return scores.json's content.

    The accuracies' intervals resample songs where song_ids are given, else segments (compare.accuracy).
    members: the ensemble's members, recorded in scores.json.
    """
    predicted = probabilities.argmax(axis=1)
    result = scores(confusion_matrix(actual, predicted, len(class_names)), class_names)
    segment = compare.accuracy(predicted == actual, song_ids, seed=seed).rounded()
    result.update(accuracy_ci_low=segment.low, accuracy_ci_high=segment.high)
    columns = ["actual", "predicted"]
    rows = [[class_names[a], class_names[p]] for a, p in zip(actual, predicted)]
    if song_ids is not None:
        songs, song_labels, song_predicted = song_outcomes(probabilities, actual, song_ids)
        # each song is one item, in the order (and so with the resamples) of the segment interval's groups
        song = compare.accuracy(song_predicted == song_labels, seed=seed).rounded()
        result.update(song_accuracy=song.value, song_accuracy_ci_low=song.low, song_accuracy_ci_high=song.high,
                      songs=len(songs))
        predicted_of_song = dict(zip(songs.tolist(), song_predicted.tolist()))
        columns += ["song", "song_predicted"]
        for row, song_id in zip(rows, song_ids.tolist()):
            row += [song_id, class_names[predicted_of_song[song_id]]]
    result["bootstrap_unit"] = "segment" if song_ids is None else "song"
    if members is not None:
        result["members"] = list(members)

    out_dir, predictions_path = Path(out_dir), Path(predictions_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    predictions_path.parent.mkdir(parents=True, exist_ok=True)
    with predictions_path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerows(rows)
    if probabilities_path is not None:
        write_probabilities(
            probabilities_path,
            Probabilities(class_names=list(class_names), actual=actual, song_ids=song_ids, probabilities=probabilities),
        )
    (out_dir / "scores.json").write_text(json.dumps(result, indent=2) + "\n")
    summary = {key: result[key] for key in METRIC_KEYS if key in result}
    (out_dir / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    return result


@dataclass(frozen=True, eq=False)
class Probabilities:
    """A model's class probabilities for every validation segment, with what they are scored against."""

    class_names: list[str]
    actual: np.ndarray  # (n,) class ids
    song_ids: np.ndarray | None  # (n,) or None where the data has no song ids
    probabilities: np.ndarray  # (n, classes)


def write_probabilities(path: Path, probabilities: Probabilities) -> None:
    """One JSON file; probabilities rounded to 6 decimals, so the same model writes the same bytes."""
    record = {
        "class_names": list(probabilities.class_names),
        "actual": np.asarray(probabilities.actual).tolist(),
        "song_ids": None if probabilities.song_ids is None else np.asarray(probabilities.song_ids).tolist(),
        "probabilities": np.round(np.asarray(probabilities.probabilities, dtype=np.float64), 6).tolist(),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, separators=(",", ":")) + "\n")


def read_probabilities(path: Path) -> Probabilities:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path} not found: run the evaluate stage of this architecture first (dvc repro evaluate@{path.stem}).")
    try:
        record = json.loads(path.read_text())
        result = Probabilities(
            class_names=[str(name) for name in record["class_names"]],
            actual=np.asarray(record["actual"], dtype=np.int64),
            song_ids=None if record["song_ids"] is None else np.asarray(record["song_ids"], dtype=np.int64),
            probabilities=np.asarray(record["probabilities"], dtype=np.float64),
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise UserError(f"{path} is not a probabilities file written by evaluate ({error!r}): rerun evaluate@{path.stem}.") from error
    if result.probabilities.shape != (len(result.actual), len(result.class_names)):
        raise UserError(f"{path}: probabilities of shape {result.probabilities.shape} for {len(result.actual)} segments "
                        f"and {len(result.class_names)} classes: rerun evaluate@{path.stem}.")
    return result
