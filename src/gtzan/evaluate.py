"""The evaluate stage: how one trained architecture does on the validation split, genre by genre.

Writes into eval/<name>/:
    predictions.csv   actual and predicted genre of every validation example (DVC's confusion plot)
    scores.json       accuracy, macro F1, per-genre precision/recall/F1 and the dominant confusions
"""

import csv
import json
from pathlib import Path

import keras
import numpy as np

TOP_CONFUSIONS = 5


def resolve_class_names(configured: list | None, default: list[str], num_classes: int) -> list[str]:
    """params.yaml's data.class_names if given, else the dataset's own names (class ids for the Drive data)."""
    if configured is None:
        return [str(name) for name in default]
    if not isinstance(configured, list) or len(configured) != num_classes:
        raise ValueError(
            f"params.yaml data.class_names must be null or a list of {num_classes} names (one per class id), "
            f"got {configured!r}"
        )
    return [str(name) for name in configured]


def predict_classes(model_path: Path, spectrograms: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class ids the saved model predicts (inference mode: augmentation and dropout off)."""
    model = keras.models.load_model(model_path)
    probabilities = model.predict(spectrograms, batch_size=batch_size, verbose=0)
    return probabilities.argmax(axis=1).astype(np.int32)


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


def write_evaluation(out_dir: Path, actual: np.ndarray, predicted: np.ndarray, class_names: list[str]) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "predictions.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["actual", "predicted"])
        writer.writerows((class_names[a], class_names[p]) for a, p in zip(actual, predicted))
    result = scores(confusion_matrix(actual, predicted, len(class_names)), class_names)
    (out_dir / "scores.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
