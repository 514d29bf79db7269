"""The predictions file, one per scored side: what evaluate (and the ensemble) write, and report and ensemble read.

    actual, predicted             the segment's genre and the predicted one (DVC's confusion plot)
    song, song_predicted          its song and the song's predicted genre, where the data has song ids
    p_<genre>, one per genre      the class probabilities, rounded to 6 decimals
"""

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gtzan.errors import UserError


@dataclass(frozen=True, eq=False)
class Predictions:
    """A model's predictions for every segment of one side: the file evaluate (or the ensemble) writes per side."""

    class_names: list[str]
    actual: np.ndarray  # (n,) class ids
    predicted: np.ndarray  # (n,) class ids, the argmax of probabilities
    song_ids: np.ndarray | None  # (n,) or None where the data has no song ids
    song_predicted: np.ndarray | None  # (n,) the class id predicted for the segment's song
    probabilities: np.ndarray  # (n, classes)


PROBABILITY_PREFIX = "p_"


def write_predictions(path: Path, predictions: Predictions) -> None:
    """One CSV row per segment: actual and predicted genre (DVC's confusion plot), the song and its
    predicted genre where the data has song ids, and the class probabilities, rounded to 6 decimals so
    that the same model writes the same bytes."""
    names = predictions.class_names
    columns = ["actual", "predicted"]
    if predictions.song_ids is not None:
        columns += ["song", "song_predicted"]
    columns += [PROBABILITY_PREFIX + name for name in names]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        for i, (actual, predicted) in enumerate(zip(predictions.actual, predictions.predicted)):
            row = [names[actual], names[predicted]]
            if predictions.song_ids is not None:
                row += [int(predictions.song_ids[i]), names[predictions.song_predicted[i]]]
            writer.writerow(row + [f"{p:.6f}" for p in predictions.probabilities[i]])


def read_predictions(path: Path) -> Predictions:
    """What write_predictions wrote."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path} not found: run the stages that write it first (dvc repro).")
    try:
        with path.open(newline="") as file:
            reader = csv.DictReader(file)
            names = [column.removeprefix(PROBABILITY_PREFIX) for column in reader.fieldnames or [] if column.startswith(PROBABILITY_PREFIX)]
            rows = list(reader)
        ids = {name: i for i, name in enumerate(names)}
        has_songs = bool(rows) and "song" in rows[0]
        return Predictions(
            class_names=names,
            actual=np.array([ids[row["actual"]] for row in rows], dtype=np.int64),
            predicted=np.array([ids[row["predicted"]] for row in rows], dtype=np.int64),
            song_ids=np.array([int(row["song"]) for row in rows], dtype=np.int64) if has_songs else None,
            song_predicted=np.array([ids[row["song_predicted"]] for row in rows], dtype=np.int64) if has_songs else None,
            probabilities=np.array([[float(row[PROBABILITY_PREFIX + name]) for name in names] for row in rows],
                                   dtype=np.float64).reshape(len(rows), len(names)),
        )
    except (KeyError, TypeError, ValueError, csv.Error) as error:
        raise UserError(f"{path} is not a predictions file written by evaluate or the ensemble ({error!r}): `dvc repro` writes it anew.") from error
