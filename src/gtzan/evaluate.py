"""The evaluate stage: how one saved model does on the validation split, genre by genre and song by song.

Writes, at the paths dvc.yaml gives:
    <out>/metrics.json   accuracy, macro F1 and, where the data has song ids, song accuracy
                         (the columns of `dvc exp show`)
    <out>/scores.json    the same plus per-genre precision/recall/F1, the confusion matrix and the
                         dominant confusions (the report's source)
    <predictions>.csv    actual and predicted genre of every validation segment (DVC's confusion plot)

Also the one place where a saved model is loaded (`load_model`), for evaluate and predict alike.
"""

import csv
import json
from pathlib import Path

import keras
import numpy as np

from gtzan.errors import UserError
from gtzan.songs import song_accuracy

TOP_CONFUSIONS = 5
PREDICT_BATCH_SIZE = 256
METRIC_KEYS = ("accuracy", "macro_f1", "song_accuracy", "songs")  # scores.json's keys in metrics.json


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


def load_model(model_path: Path | str) -> keras.Model:
    """The saved keras model, or a UserError saying why it cannot be had."""
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
            f"{model_path} cannot be loaded as a keras model ({type(error).__name__}: {first_line}): "
            "retrain it (dvc repro -f train@<name>)"
        ) from error


def predict_probabilities(model: keras.Model, spectrograms: np.ndarray) -> np.ndarray:
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
    song_ids: np.ndarray | None = None,
) -> dict:
    """Score the (n, classes) probabilities against the actual class ids; write the three outputs; return scores.json's content."""
    predicted = probabilities.argmax(axis=1)
    result = scores(confusion_matrix(actual, predicted, len(class_names)), class_names)
    if song_ids is not None:
        result["song_accuracy"] = round(song_accuracy(probabilities, actual, song_ids), 6)
        result["songs"] = int(len(np.unique(song_ids)))

    out_dir, predictions_path = Path(out_dir), Path(predictions_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    predictions_path.parent.mkdir(parents=True, exist_ok=True)
    with predictions_path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["actual", "predicted"])
        writer.writerows((class_names[a], class_names[p]) for a, p in zip(actual, predicted))
    (out_dir / "scores.json").write_text(json.dumps(result, indent=2) + "\n")
    summary = {key: result[key] for key in METRIC_KEYS if key in result}
    (out_dir / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    return result
