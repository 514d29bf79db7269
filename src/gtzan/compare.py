"""How sure a validation accuracy is: bootstrap confidence intervals and paired comparisons.

On a validation split of a few hundred songs an accuracy is uncertain by several points, so two
architectures 4 points apart may not be distinguishable. Every interval here is a 95 % percentile
bootstrap that resamples songs, a song's segments together (they share its recording, so they are
not independent), or segments where the data has no song ids (the Drive data). A paired comparison
resamples the same songs for both models, so what both get right or wrong cancels out.

The draws come from np.random.default_rng(seed) alone: the same seed and the same number of songs
give the same resamples, in evaluate (each model's interval) and in the report (the comparisons).
"""

from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """An accuracy, or a difference of two, and its bootstrap interval."""

    value: float
    low: float
    high: float

    def rounded(self, digits: int = 6) -> "Estimate":
        return Estimate(round(self.value, digits), round(self.low, digits), round(self.high, digits))


def accuracy(correct: np.ndarray, groups: np.ndarray | None = None, *, seed: int) -> Estimate:
    """The share of correct items, with its interval from resampling groups (None: each item is its own group).

    correct: (n,) bool; groups: (n,) the song of each item, or None.
    """
    hits, sizes = _per_group(correct, groups)
    return _estimate(hits, sizes, seed)


def difference(correct_a: np.ndarray, correct_b: np.ndarray, groups: np.ndarray | None = None, *, seed: int) -> Estimate:
    """Accuracy of a minus accuracy of b on the same n items, with its paired interval (the same resamples for both)."""
    correct_a, correct_b = np.asarray(correct_a), np.asarray(correct_b)
    if correct_a.shape != correct_b.shape:
        raise ValueError(f"a paired comparison needs the same items for both models, got shapes {correct_a.shape} and {correct_b.shape}")
    hits_a, sizes = _per_group(correct_a, groups)
    hits_b, _ = _per_group(correct_b, groups)
    return _estimate(hits_a - hits_b, sizes, seed)


def verdict(difference: Estimate) -> str:
    """The paired difference (a minus b) in words, from a's side."""
    if difference.low > 0:
        return "better"
    if difference.high < 0:
        return "worse"
    return "not distinguishable on this split"


def resamples(groups: int, seed: int) -> np.ndarray:
    """(RESAMPLES, groups) indices of groups, drawn with replacement."""
    if groups < 1:
        raise ValueError("a bootstrap needs at least one item")
    return np.random.default_rng(seed).integers(0, groups, size=(RESAMPLES, groups))


def _per_group(correct: np.ndarray, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(correct items, items) of each group, groups in sorted order: both (groups,) float64."""
    correct = np.asarray(correct, dtype=np.float64)
    if correct.ndim != 1:
        raise ValueError(f"correct must have shape (n,), got {correct.shape}")
    if groups is None:
        return correct, np.ones_like(correct)
    groups = np.asarray(groups)
    if groups.shape != correct.shape:
        raise ValueError(f"groups must have the shape of correct {correct.shape}, got {groups.shape}")
    _, inverse = np.unique(groups, return_inverse=True)
    return np.bincount(inverse, weights=correct), np.bincount(inverse).astype(np.float64)


def _estimate(hits: np.ndarray, sizes: np.ndarray, seed: int) -> Estimate:
    draws = resamples(len(sizes), seed)  # (RESAMPLES, groups)
    values = hits[draws].sum(axis=1) / sizes[draws].sum(axis=1)  # (RESAMPLES,)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return Estimate(float(hits.sum() / sizes.sum()), float(low), float(high))
