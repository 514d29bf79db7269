"""The evaluate stage's logic: per-genre scores, dominant confusions, genre names, intervals, the predictions file."""

import csv
import json

import numpy as np
import pytest

from gtzan.architectures import build_model
from gtzan.errors import UserError
from gtzan.evaluate import (
    Side, load_model, predict_probabilities, resolve_class_names, scores, write_evaluation,
)
from gtzan.predictions import read_predictions


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


DATA = "the synthetic data (seed 0, 2 songs per genre), song split 60/20/20: 6 train, 2 validation, 2 test songs"


def test_metrics_and_scores_are_written_once_each_with_genre_names(tmp_path):
    probabilities = np.array([[0.4, 0.6], [0.1, 0.9]])
    metrics, result = write_evaluation(
        out_dir=tmp_path / "eval", predictions_dir=tmp_path / "predictions" / "m",
        sides={"val": Side(np.array([0, 1]), probabilities)}, class_names=["blues", "jazz"], seed=0, data=DATA,
    )
    with (tmp_path / "predictions" / "m" / "val.csv").open() as file:
        assert list(csv.DictReader(file)) == [
            {"actual": "blues", "predicted": "jazz", "p_blues": "0.400000", "p_jazz": "0.600000"},
            {"actual": "jazz", "predicted": "jazz", "p_blues": "0.100000", "p_jazz": "0.900000"},
        ]
    assert sorted(path.name for path in (tmp_path / "predictions" / "m").iterdir()) == ["val.csv"], "no test side, no test.csv"
    # two segments, one right: the resampled accuracies are 0, 0.5 and 1; macro F1 is the mean of 0 and 2/3
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text()) == metrics == {
        "data": DATA,
        "val": {"accuracy": 0.5, "accuracy_ci_low": 0.0, "accuracy_ci_high": 1.0, "macro_f1": 0.333333, "segments": 2,
                "bootstrap_unit": "segment"},
    }
    written = json.loads((tmp_path / "eval" / "scores.json").read_text())
    assert written == result and list(written) == ["val"]
    assert not set(written["val"]) & set(metrics["val"]), "no figure is in both files"
    assert written["val"]["confusion"]["counts"] == [[0, 1], [0, 1]] and written["val"]["confusion"]["class_names"] == ["blues", "jazz"]


def test_each_side_is_scored_and_written_on_its_own(tmp_path):
    # validation: 2 segments, 1 right; test: 4 segments of 2 songs, all right but the last
    val = Side(np.array([0, 1]), np.array([[0.4, 0.6], [0.1, 0.9]]))
    test = Side(np.array([0, 0, 1, 1]), np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]), np.array([5, 5, 6, 6]))
    metrics, result = write_evaluation(
        out_dir=tmp_path / "eval", predictions_dir=tmp_path / "predictions", sides={"val": val, "test": test},
        class_names=["blues", "jazz"], seed=0, data=DATA,
    )
    written = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert written == metrics and list(written) == ["data", "val", "test"] and written["data"] == DATA
    assert "members" not in written, "only the ensemble has members"
    assert written["val"]["accuracy"] == 0.5 and written["val"]["segments"] == 2 and written["val"]["bootstrap_unit"] == "segment"
    assert "song_accuracy" not in written["val"]
    assert written["test"]["accuracy"] == 0.75 and written["test"]["segments"] == 4 and written["test"]["bootstrap_unit"] == "song"
    assert written["test"]["song_accuracy"] == 1.0 and written["test"]["songs"] == 2
    scores_file = json.loads((tmp_path / "eval" / "scores.json").read_text())
    assert scores_file == result and list(scores_file) == ["val", "test"]
    assert scores_file["val"]["confusion"]["counts"] == [[0, 1], [0, 1]]
    assert scores_file["test"]["confusion"]["counts"] == [[2, 0], [1, 1]]
    # each side's predictions in its own file
    assert read_predictions(tmp_path / "predictions" / "val.csv").song_ids is None
    test_written = read_predictions(tmp_path / "predictions" / "test.csv")
    np.testing.assert_array_equal(test_written.actual, [0, 0, 1, 1])
    np.testing.assert_array_equal(test_written.song_ids, [5, 5, 6, 6])
    np.testing.assert_array_equal(test_written.song_predicted, [0, 0, 1, 1])


def test_song_accuracy_is_scored_where_song_ids_are_known(tmp_path):
    # 3 songs of 2 segments: song 0 right twice, song 1 right on average, song 2 wrong on average
    probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.3, 0.7], [0.45, 0.55]])
    actual = np.array([0, 0, 1, 1, 0, 0])
    all_metrics, _ = write_evaluation(
        out_dir=tmp_path, predictions_dir=tmp_path, sides={"val": Side(actual, probabilities, np.array([0, 0, 1, 1, 2, 2]))},
        class_names=["a", "b"], seed=0, data=DATA,
    )
    metrics = all_metrics["val"]
    assert metrics["accuracy"] == pytest.approx(3 / 6, abs=1e-6) and metrics["segments"] == 6
    assert metrics["song_accuracy"] == pytest.approx(2 / 3, abs=1e-6) and metrics["songs"] == 3
    assert metrics["bootstrap_unit"] == "song", "songs are resampled, not segments"
    assert metrics["accuracy_ci_low"] < metrics["accuracy"] < metrics["accuracy_ci_high"]
    assert metrics["song_accuracy_ci_low"] < metrics["song_accuracy"] <= metrics["song_accuracy_ci_high"]
    # every segment names its song and the song's prediction (the mean of its segments'), for the paired comparisons
    written = read_predictions(tmp_path / "val.csv")
    assert written.class_names == ["a", "b"]
    np.testing.assert_array_equal(written.song_ids, [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(written.predicted, [0, 0, 1, 0, 1, 1])
    np.testing.assert_array_equal(written.song_predicted, [0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(written.probabilities, probabilities)
    np.testing.assert_array_equal(written.actual, actual)


def test_a_missing_or_damaged_predictions_file_is_named(tmp_path):
    # the architecture is the name of the CSV's directory: predictions/<name>/<side>.csv
    with pytest.raises(UserError, match=r"cnn_gru/val.csv not found: run the stages that write it first \(dvc repro\)"):
        read_predictions(tmp_path / "cnn_gru" / "val.csv")
    (tmp_path / "lstm").mkdir()
    (tmp_path / "lstm" / "test.csv").write_text("actual,predicted,p_a\na,b,0.5\n")
    with pytest.raises(UserError, match=r"lstm/test.csv is not a predictions file written by evaluate or the ensemble .*: `dvc repro` writes it anew\."):
        read_predictions(tmp_path / "lstm" / "test.csv")


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
