"""The evaluate stage's logic: per-genre scores, dominant confusions, genre names, intervals, the predictions file."""

import csv
import json

import numpy as np
import pytest

from gtzan.architectures import build_model
from gtzan.errors import UserError
from gtzan.evaluate import load_model, predict_probabilities, read_predictions, resolve_class_names, scores, write_evaluation


def test_scores_per_genre_and_dominant_confusions():
    # rows: actual, columns: predicted: [[8, 2, 0], [0, 5, 5], [0, 1, 9]]
    actual = np.repeat([0, 0, 1, 1, 2, 2], [8, 2, 5, 5, 1, 9])
    predicted = np.repeat([0, 1, 1, 2, 1, 2], [8, 2, 5, 5, 1, 9])
    result = scores(actual, predicted, ["blues", "jazz", "metal"])
    assert result["confusion"]["counts"] == [[8, 2, 0], [0, 5, 5], [0, 1, 9]]
    assert result["per_genre"]["blues"] == {"precision": 1.0, "recall": 0.8, "f1": 0.8889, "support": 10}
    assert result["per_genre"]["jazz"] == {"precision": 0.625, "recall": 0.5, "f1": 0.5556, "support": 10}
    assert result["top_confusions"][0] == {"actual": "jazz", "predicted": "metal", "count": 5, "share_of_errors": 0.625}
    assert [(pair["actual"], pair["predicted"]) for pair in result["top_confusions"]] == [
        ("jazz", "metal"), ("blues", "jazz"), ("metal", "jazz")
    ]


def test_a_genre_never_predicted_or_absent_scores_zero_not_nan():
    result = scores(np.array([0, 0, 0, 1, 1]), np.array([0, 0, 0, 0, 0]), ["a", "b", "c"])
    assert result["per_genre"]["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert result["per_genre"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert result["confusion"]["counts"] == [[3, 0, 0], [2, 0, 0], [0, 0, 0]]


def test_metrics_and_scores_are_written_once_each_with_genre_names(tmp_path):
    probabilities = np.array([[0.4, 0.6], [0.1, 0.9]])
    metrics, result = write_evaluation(
        out_dir=tmp_path / "eval", predictions_path=tmp_path / "predictions" / "m.csv",
        actual=np.array([0, 1]), probabilities=probabilities, class_names=["blues", "jazz"], seed=0,
    )
    with (tmp_path / "predictions" / "m.csv").open() as file:
        assert list(csv.DictReader(file)) == [
            {"actual": "blues", "predicted": "jazz", "p_blues": "0.400000", "p_jazz": "0.600000"},
            {"actual": "jazz", "predicted": "jazz", "p_blues": "0.100000", "p_jazz": "0.900000"},
        ]
    # two segments, one right: the resampled accuracies are 0, 0.5 and 1; macro F1 is the mean of 0 and 2/3
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text()) == metrics == {
        "accuracy": 0.5, "accuracy_ci_low": 0.0, "accuracy_ci_high": 1.0, "macro_f1": 0.333333, "bootstrap_unit": "segment",
    }
    written = json.loads((tmp_path / "eval" / "scores.json").read_text())
    assert written == result and not set(written) & set(metrics), "no figure is in both files"
    assert written["confusion"]["counts"] == [[0, 1], [0, 1]] and written["confusion"]["class_names"] == ["blues", "jazz"]


def test_song_accuracy_is_scored_where_song_ids_are_known(tmp_path):
    # 3 songs of 2 segments: song 0 right twice, song 1 right on average, song 2 wrong on average
    probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.3, 0.7], [0.45, 0.55]])
    actual = np.array([0, 0, 1, 1, 0, 0])
    metrics, _ = write_evaluation(
        out_dir=tmp_path, predictions_path=tmp_path / "p.csv", actual=actual, probabilities=probabilities,
        class_names=["a", "b"], seed=0, song_ids=np.array([0, 0, 1, 1, 2, 2]),
    )
    assert metrics["accuracy"] == pytest.approx(3 / 6, abs=1e-6)
    assert metrics["song_accuracy"] == pytest.approx(2 / 3, abs=1e-6) and metrics["songs"] == 3
    assert metrics["bootstrap_unit"] == "song", "songs are resampled, not segments"
    assert metrics["accuracy_ci_low"] < metrics["accuracy"] < metrics["accuracy_ci_high"]
    assert metrics["song_accuracy_ci_low"] < metrics["song_accuracy"] <= metrics["song_accuracy_ci_high"]
    # every segment names its song and the song's prediction (the mean of its segments'), for the paired comparisons
    written = read_predictions(tmp_path / "p.csv")
    assert written.class_names == ["a", "b"]
    np.testing.assert_array_equal(written.song_ids, [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(written.predicted, [0, 0, 1, 0, 1, 1])
    np.testing.assert_array_equal(written.song_predicted, [0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(written.probabilities, probabilities)
    np.testing.assert_array_equal(written.actual, actual)


def test_a_missing_or_damaged_predictions_file_is_named(tmp_path):
    with pytest.raises(UserError, match=r"cnn_gru.csv not found: run the evaluate stage .*evaluate@cnn_gru"):
        read_predictions(tmp_path / "cnn_gru.csv")
    (tmp_path / "lstm.csv").write_text("actual,predicted,p_a\na,b,0.5\n")
    with pytest.raises(UserError, match=r"lstm.csv is not a predictions file written by evaluate"):
        read_predictions(tmp_path / "lstm.csv")


def test_class_names_default_to_the_dataset_and_are_checked():
    assert resolve_class_names(None, ["0", "1"], 2) == ["0", "1"]
    assert resolve_class_names(["rock", "pop"], ["0", "1"], 2) == ["rock", "pop"]
    with pytest.raises(UserError, match=r"data.class_names must be null or a list of 2 names"):
        resolve_class_names(["rock"], ["0", "1"], 2)


def test_predictions_of_a_saved_model_run_in_inference_mode(tmp_path):
    model = build_model("cnn_gru_aug", (80, 80, 1), 4)
    model.save(tmp_path / "model.keras")
    spectrograms = np.random.default_rng(0).normal(size=(6, 80, 80, 1)).astype(np.float32)
    first = predict_probabilities(load_model(tmp_path / "model.keras"), spectrograms)
    second = predict_probabilities(load_model(tmp_path / "model.keras"), spectrograms)
    assert first.shape == (6, 4)
    np.testing.assert_allclose(first.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(first, second)  # augmentation is off at inference


def test_a_model_file_that_is_missing_a_folder_or_damaged_is_named(tmp_path):
    with pytest.raises(UserError, match=r"model file .*none.keras not found: train it first"):
        load_model(tmp_path / "none.keras")
    with pytest.raises(UserError, match=r"is a directory, not a saved keras model"):
        load_model(tmp_path)
    build_model("parallel_cnn", (80, 80, 1), 4).save(tmp_path / "model.keras")
    data = (tmp_path / "model.keras").read_bytes()
    (tmp_path / "truncated.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match=r"truncated.keras \([\d,]+ bytes\) cannot be loaded as a keras model .*`dvc checkout .*truncated.keras` restores"):
        load_model(tmp_path / "truncated.keras")
