"""The evaluate stage's logic: confusion matrix, per-genre scores, dominant confusions, genre names."""

import csv
import json

import numpy as np
import pytest

from gtzan.evaluate import confusion_matrix, predict_classes, resolve_class_names, scores, write_evaluation
from gtzan.models import build_model


def test_confusion_matrix_counts_actual_by_predicted():
    matrix = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 0]), num_classes=3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [2, 0, 1]]


def test_scores_per_genre_and_dominant_confusions():
    # rows: actual, columns: predicted
    confusion = np.array([[8, 2, 0], [0, 5, 5], [0, 1, 9]])
    result = scores(confusion, ["blues", "jazz", "metal"])
    assert result["accuracy"] == pytest.approx(22 / 30, abs=1e-6)
    assert result["per_genre"]["blues"] == {"precision": 1.0, "recall": 0.8, "f1": 0.8889, "support": 10}
    assert result["per_genre"]["jazz"] == {"precision": 0.625, "recall": 0.5, "f1": 0.5556, "support": 10}
    assert result["macro_f1"] == pytest.approx((0.888889 + 0.555556 + 0.75) / 3, abs=1e-5)
    assert result["top_confusions"][0] == {"actual": "jazz", "predicted": "metal", "count": 5, "share_of_errors": 0.625}
    assert [(pair["actual"], pair["predicted"]) for pair in result["top_confusions"]] == [
        ("jazz", "metal"), ("blues", "jazz"), ("metal", "jazz")
    ]


def test_a_genre_never_predicted_scores_zero_not_nan():
    result = scores(np.array([[3, 0], [2, 0]]), ["a", "b"])
    assert result["per_genre"]["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}


def test_write_evaluation_uses_genre_names(tmp_path):
    write_evaluation(tmp_path, np.array([0, 1]), np.array([1, 1]), ["blues", "jazz"])
    with (tmp_path / "predictions.csv").open() as file:
        assert list(csv.DictReader(file)) == [{"actual": "blues", "predicted": "jazz"}, {"actual": "jazz", "predicted": "jazz"}]
    assert json.loads((tmp_path / "scores.json").read_text())["accuracy"] == 0.5


def test_class_names_default_to_the_dataset_and_are_checked():
    assert resolve_class_names(None, ["0", "1"], 2) == ["0", "1"]
    assert resolve_class_names(["rock", "pop"], ["0", "1"], 2) == ["rock", "pop"]
    with pytest.raises(ValueError, match=r"data.class_names must be null or a list of 2 names"):
        resolve_class_names(["rock"], ["0", "1"], 2)


def test_predictions_of_a_saved_model_run_in_inference_mode(tmp_path):
    model = build_model("cnn_gru_aug", (80, 80, 1), 4)
    model.save(tmp_path / "model.keras")
    spectrograms = np.random.default_rng(0).normal(size=(6, 80, 80, 1)).astype(np.float32)
    first = predict_classes(tmp_path / "model.keras", spectrograms)
    second = predict_classes(tmp_path / "model.keras", spectrograms)
    assert first.shape == (6,) and first.dtype == np.int32 and set(first) <= {0, 1, 2, 3}
    np.testing.assert_array_equal(first, second)  # augmentation is off at inference
