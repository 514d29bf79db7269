"""What the report reads: for each architecture (or probe) what its train and evaluate stages wrote, and the
ensemble stage's results, at the paths dvc.yaml gives; the data those were measured on; and the headline's
paired comparisons with the others.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gtzan import compare
from gtzan.curves import read_curves
from gtzan.errors import UserError
from gtzan.predictions import read_predictions
from gtzan.prepared import SIDE_WORDS, describe_data, reported_side

# The spec's figures come from the Drive data (segment split); only data of that kind is compared with them.
SPEC_DATA_SOURCES = ("gdrive", "local")
ENSEMBLE = "ensemble"  # the ensemble's row


@dataclass(frozen=True)
class SpecFigure:
    """What the specification (or the assignment behind it) reports or asks for on the real data."""

    text: str
    low: float | None = None  # the spec's range of validation accuracy, [low, high]
    high: float = 1.0

    def verdict(self, interval_low: float, interval_high: float) -> str:
        """Whether an accuracy's confidence interval reproduces the figure: inside the range, outside it, or across an edge."""
        if self.low is None:
            return "n/a"
        if interval_high < self.low:
            return "no (below)"
        if interval_low > self.high:
            return "no (above)"
        return "yes" if self.low <= interval_low and interval_high <= self.high else "inconclusive"


SPEC_FIGURES = {
    "parallel_cnn": SpecFigure("≥ 70 % (assignment target)", 0.70),
    "cnn_rnn": SpecFigure("≥ 50 % (assignment target)", 0.50),
    "wide_parallel_cnn": SpecFigure("not given"),
    "resnet50": SpecFigure("≈ 25 % (reported)", 0.20, 0.30),
    "lstm": SpecFigure("50-60 % (reported plateau)", 0.50, 0.60),
    "bilstm": SpecFigure("50-60 % (reported plateau)", 0.50, 0.60),
    "cnn_bilstm": SpecFigure("not given"),
    "cnn_gru_aug": SpecFigure("below cnn_gru (reported)"),
    "cnn_gru": SpecFigure("86-88.5 % (reported best)", 0.86),
}
NOT_GIVEN = SpecFigure("not given")


@dataclass(frozen=True)
class DataInfo:
    """What the report says about the data every architecture was trained and evaluated on."""

    description: str  # the data and its split protocol, with the count on each side
    counts: str  # segments on each side, where the description counts songs or clips
    side: str  # the reported side: "test" where the protocol has one, else "val"
    comparable_with_spec: bool

    @classmethod
    def from_summary(cls, summary: dict) -> "DataInfo":
        counts = ", ".join(f"{summary['counts'][side]['total']:,} {words}" for side, words in SIDE_WORDS.items()
                           if side in summary["counts"])
        comparable = summary.get("source", {}).get("source") in SPEC_DATA_SOURCES
        if summary.get("protocol", {}).get("method") in ("given", "segment"):
            counts = ""  # the description counts the segments already
        return cls(description=describe_data(summary), counts=counts and f"; {counts} segments", side=reported_side(summary),
                   comparable_with_spec=comparable)

    @property
    def side_words(self) -> str:
        return SIDE_WORDS[self.side]

    @property
    def spec_note(self) -> str:
        if self.comparable_with_spec:
            return ("The spec's figures were measured on this data; \"reproduced\" compares the 95 % interval of the saved "
                    "model's validation accuracy with them: yes when it lies within the spec's range, no when it lies "
                    "outside, inconclusive when it straddles an edge.")
        return ("The spec's figures were measured on the Drive data (GTZAN, its own segment split), not on this data: "
                "they are shown for reference and not compared.")


@dataclass(frozen=True, eq=False)
class Outcomes:
    """Which items of one side a model got right, read from its predictions CSV (gtzan.predictions)."""

    actual: list[str]  # every segment's genre
    correct: np.ndarray  # (segments,) bool
    song_ids: np.ndarray | None  # (segments,), None where the data has no song ids
    song_correct: np.ndarray | None  # (songs,) bool, songs sorted by id


def read_outcomes(path: Path) -> Outcomes:
    predictions = read_predictions(path)
    actual = [predictions.class_names[i] for i in predictions.actual]
    correct = predictions.predicted == predictions.actual
    if predictions.song_ids is None:
        return Outcomes(actual=actual, correct=correct, song_ids=None, song_correct=None)
    songs, first = np.unique(predictions.song_ids, return_index=True)  # sorted by id
    song_correct = predictions.song_predicted[first] == predictions.actual[first]
    return Outcomes(actual=actual, correct=correct, song_ids=predictions.song_ids, song_correct=song_correct)


@dataclass(frozen=True)
class Run:
    """What the train and evaluate stages left for one architecture, or the ensemble stage for the ensemble."""

    name: str
    metrics: dict | None  # the train stage's metrics (DVCLive's metrics.json); None for the ensemble
    curves: dict[str, dict[str, list[float]]] | None  # gtzan.curves.read_curves; None for the ensemble
    live_dir: Path | None
    evaluation: dict  # the evaluate (or ensemble) stage's metrics.json, each side's entry merged with its scores.json
    predictions: dict[str, Path]  # side -> its predictions CSV
    outcomes: dict[str, Outcomes]  # side -> read from that CSV

    @property
    def spec(self) -> SpecFigure:
        return SPEC_FIGURES.get(self.name, NOT_GIVEN)

    @property
    def is_ensemble(self) -> bool:
        return self.metrics is None

    def interval(self, metric: str, side: str) -> compare.Estimate | None:
        """accuracy or song_accuracy of the saved model(s) on a side with its interval, from metrics.json; None if unknown."""
        scores = self.evaluation.get(side, {})
        if metric not in scores:
            return None
        return compare.Estimate(scores[metric], scores[f"{metric}_ci_low"], scores[f"{metric}_ci_high"])


def read_run(name: str, *, live_dir: Path, eval_dir: Path, predictions_dir: Path) -> Run:
    live = _existing(Path(live_dir) / name)
    metrics = _read_json(live / "metrics.json")
    if "val_accuracy_best" not in metrics:  # DVCLive's summary of the epochs done so far
        raise UserError(f"{live / 'metrics.json'} is from an unfinished training: run it to the end (dvc repro).")
    return Run(
        name=name,
        metrics=metrics,
        curves=read_curves(live),
        live_dir=live,
        **_read_evaluation(Path(eval_dir) / name, Path(predictions_dir) / name),
    )


def read_ensemble(*, eval_dir: Path, predictions_dir: Path) -> Run:
    """The ensemble stage's evaluation in eval_dir, its predictions in predictions_dir."""
    evaluation = _read_evaluation(Path(eval_dir), Path(predictions_dir), stage="ensemble stage")
    return Run(name=ENSEMBLE, metrics=None, curves=None, live_dir=None, **evaluation)


def _read_evaluation(directory: Path, predictions_dir: Path, stage: str = "train and evaluate stages of this architecture") -> dict:
    """What an evaluate (or the ensemble) stage wrote: its metrics.json and scores.json, merged side by side, and
    each side's predictions."""
    for path in (directory / "metrics.json", directory / "scores.json", predictions_dir):
        if not path.exists():
            raise UserError(f"{path} not found: run the {stage} first.")
    evaluation, scores = _read_json(directory / "metrics.json"), _read_json(directory / "scores.json")
    sides = [side for side in SIDE_WORDS if side in scores]
    for side in sides:
        evaluation[side] = {**evaluation.get(side, {}), **scores[side]}
    predictions = {side: predictions_dir / f"{side}.csv" for side in sides}
    return {"evaluation": evaluation, "predictions": predictions,
            "outcomes": {side: read_outcomes(path) for side, path in predictions.items()}}


@dataclass(frozen=True)
class Comparison:
    """The headline minus another model, on the same items of the reported side, with paired-bootstrap intervals."""

    other: str
    segment: compare.Estimate
    song: compare.Estimate | None  # None where the data has no song ids


def paired_comparisons(head: Run, others: list[Run], side: str, seed: int) -> list[Comparison]:
    comparisons = []
    for run in others:
        if side not in run.outcomes:
            raise UserError(f"{run.name} has no predictions on the {SIDE_WORDS[side]} side: rerun its evaluation (dvc repro)")
        a, b = head.outcomes[side], run.outcomes[side]
        if a.actual != b.actual or not np.array_equal(a.song_ids, b.song_ids):  # array_equal: None only equals None
            raise UserError(
                f"{head.predictions[side]} and {run.predictions[side]} do not list the same segments: "
                "the models come from different runs; rerun their evaluate stages (dvc repro)"
            )
        song = None if a.song_ids is None else compare.difference(a.song_correct, b.song_correct, seed=seed)
        comparisons.append(Comparison(run.name, compare.difference(a.correct, b.correct, a.song_ids, seed=seed), song))
    return comparisons


def _existing(path: Path) -> Path:
    if not path.exists():
        raise UserError(f"{path} not found: run the train and evaluate stages of this architecture first.")
    return path


def _read_json(path: Path) -> dict:
    try:
        return json.loads(_existing(path).read_text())
    except json.JSONDecodeError as error:
        raise UserError(f"{path} is not valid JSON ({error}): rerun the stage that writes it.") from error
