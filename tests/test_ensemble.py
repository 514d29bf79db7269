"""The ensemble: members from params, the mean of their probabilities scored like a model, the manifest predict reads."""

import json
import shutil

import numpy as np
import pytest

from gtzan.architectures import build_model
from gtzan.ensemble import mean_probabilities, member_models, resolve_members, write_manifest
from gtzan.errors import UserError
from gtzan.evaluate import Side, load_model, predict_probabilities, write_evaluation
from gtzan.predictions import read_predictions

GENRES = ["blues", "jazz", "metal"]
ARCHITECTURES = ["parallel_cnn", "cnn_rnn", "cnn_gru"]
DATA = "the synthetic data (seed 3, 4 songs per genre), song split 60/20/20: 6 train, 3 validation, 3 test songs"


def labels(segments: int) -> np.ndarray:
    """Songs of 2 segments (song ids: index // 2), genres in turn."""
    return (np.arange(segments) // 2) % len(GENRES)


def side(probabilities: np.ndarray) -> Side:
    return Side(labels(len(probabilities)), probabilities, np.arange(len(probabilities)) // 2)


def evaluate(root, name: str, sides: dict[str, Side], *, members: list[str] | None = None) -> dict:
    """write_evaluation as the evaluate stage (members None: predictions/<name>/) or the ensemble stage
    (eval/ensemble/predictions/) calls it; its metrics."""
    predictions = root / "eval" / name / "predictions" if members else root / "predictions" / name
    metrics, _ = write_evaluation(out_dir=root / "eval" / name, predictions_dir=predictions, sides=sides,
                                  class_names=GENRES, seed=3, data=DATA, members=members)
    return metrics


def test_the_ensemble_of_identical_models_is_the_model(tmp_path):
    model_path = tmp_path / "model.keras"
    build_model("parallel_cnn", (80, 80, 1), len(GENRES)).save(model_path)
    spectrograms = np.random.default_rng(0).normal(size=(12, 80, 80, 1)).astype(np.float32)
    probabilities = predict_probabilities(load_model(model_path), spectrograms)
    model = evaluate(tmp_path, "parallel_cnn", {"val": side(probabilities)})
    shutil.copytree(tmp_path / "predictions/parallel_cnn", tmp_path / "predictions/twin")

    mean, class_names = mean_probabilities([tmp_path / "predictions/parallel_cnn/val.csv", tmp_path / "predictions/twin/val.csv"])
    assert class_names == GENRES
    ensemble = evaluate(tmp_path, "ensemble", {"val": mean}, members=["parallel_cnn", "twin"])
    assert ensemble.pop("members") == ["parallel_cnn", "twin"]
    assert ensemble == model
    assert (tmp_path / "eval/ensemble/predictions/val.csv").read_text() == (tmp_path / "predictions/parallel_cnn/val.csv").read_text()
    assert (tmp_path / "eval/ensemble/scores.json").read_text() == (tmp_path / "eval/parallel_cnn/scores.json").read_text()


def test_the_ensemble_averages_its_members_probabilities(tmp_path):
    # segment by segment: a is sure of the right genre on half the segments, b on the other half, each
    # slightly wrong elsewhere; their mean is right everywhere
    actual = labels(8)
    right, wrong = np.eye(3)[actual], np.eye(3)[(actual + 1) % 3]
    first_half = (np.arange(8) < 4)[:, np.newaxis]
    a = np.where(first_half, right, 0.4 * wrong + 0.3 * right + 0.3 * np.eye(3)[(actual + 2) % 3])
    b = np.where(first_half, 0.4 * wrong + 0.3 * right + 0.3 * np.eye(3)[(actual + 2) % 3], right)
    # on the test side (4 songs), a is right everywhere and b wrong everywhere: their mean is a's choice
    a_test, b_test = np.eye(3)[labels(8)] * 0.6 + 0.1, np.eye(3)[(labels(8) + 1) % 3] * 0.3 + 0.2
    a_metrics = evaluate(tmp_path, "a", {"val": side(a), "test": side(a_test)})
    b_metrics = evaluate(tmp_path, "b", {"val": side(b), "test": side(b_test)})
    assert a_metrics["val"]["accuracy"] == b_metrics["val"]["accuracy"] == 0.5
    assert (a_metrics["test"]["accuracy"], b_metrics["test"]["accuracy"]) == (1.0, 0.0)

    mean, class_names = mean_probabilities([tmp_path / "predictions/a/val.csv", tmp_path / "predictions/b/val.csv"])
    np.testing.assert_allclose(mean.probabilities, (a + b) / 2)
    np.testing.assert_array_equal(mean.actual, actual)
    np.testing.assert_array_equal(mean.song_ids, np.arange(8) // 2)
    assert class_names == GENRES
    mean_test, _ = mean_probabilities([tmp_path / "predictions/a/test.csv", tmp_path / "predictions/b/test.csv"])
    np.testing.assert_allclose(mean_test.probabilities, (a_test + b_test) / 2)
    ensemble = evaluate(tmp_path, "ensemble", {"val": mean, "test": mean_test}, members=["a", "b"])
    assert ensemble["val"]["accuracy"] == ensemble["test"]["accuracy"] == 1.0


def test_members_come_from_params():
    assert resolve_members(None, ARCHITECTURES) == ARCHITECTURES
    assert resolve_members(["cnn_gru", "cnn_rnn"], ARCHITECTURES) == ["cnn_gru", "cnn_rnn"]
    with pytest.raises(UserError, match=r"ensemble.members: 'lsmt' is not a model of this run \(models: and transfer.models\); valid names are \['parallel_cnn'"):
        resolve_members(["cnn_gru", "lsmt"], ARCHITECTURES)
    with pytest.raises(UserError, match=r"ensemble.members must be null .* or a list of architecture names, got \[\]"):
        resolve_members([], ARCHITECTURES)
    with pytest.raises(UserError, match=r"got 'cnn_gru'"):
        resolve_members("cnn_gru", ARCHITECTURES)
    with pytest.raises(UserError, match=r"names an architecture twice"):
        resolve_members(["cnn_gru", "cnn_gru"], ARCHITECTURES)


def test_members_evaluated_on_different_data_are_refused(tmp_path):
    evaluate(tmp_path, "a", {"val": side(np.eye(3)[[0, 1, 2, 0]])})
    evaluate(tmp_path, "b", {"val": side(np.eye(3)[[0, 1, 2, 0, 1, 2]])})
    with pytest.raises(UserError, match=r"b/val.csv and .*a/val.csv are not predictions of the same segments and genres"):
        mean_probabilities([tmp_path / "predictions/a/val.csv", tmp_path / "predictions/b/val.csv"])
    # the same segments, other genre names
    write_evaluation(out_dir=tmp_path / "eval/d", predictions_dir=tmp_path / "predictions/d", sides={"val": side(np.eye(3)[[0, 1, 2, 0]])},
                     class_names=["blues", "jazz", "rock"], seed=3, data=DATA)
    with pytest.raises(UserError, match=r"d/val.csv and .*a/val.csv are not predictions of the same segments and genres"):
        mean_probabilities([tmp_path / "predictions/a/val.csv", tmp_path / "predictions/d/val.csv"])
    with pytest.raises(UserError, match=r"c/val.csv not found: run the stages that write it first \(dvc repro\)"):
        mean_probabilities([tmp_path / "predictions/a/val.csv", tmp_path / "predictions/c/val.csv"])


def test_the_manifest_names_the_member_models_beside_it(tmp_path):
    write_manifest(tmp_path / "models/ensemble.json", ["cnn_gru", "lstm"])
    assert json.loads((tmp_path / "models/ensemble.json").read_text()) == {"members": {"cnn_gru": "cnn_gru.keras", "lstm": "lstm.keras"}}
    assert member_models(tmp_path / "models/ensemble.json") == [tmp_path / "models/cnn_gru.keras", tmp_path / "models/lstm.keras"]
    with pytest.raises(UserError, match=r"ensemble manifest .*none.json not found: run the ensemble stage first"):
        member_models(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text('{"cnn_gru": "cnn_gru.keras"}')
    with pytest.raises(UserError, match=r"bad.json is not an ensemble manifest"):
        member_models(tmp_path / "bad.json")


def test_predictions_files_round_trip_their_probabilities(tmp_path):
    probabilities = np.array([[0.1234567, 0.8765433, 0.0], [0.5, 0.25, 0.25]])
    evaluate(tmp_path, "a", {"val": side(probabilities)})
    written = read_predictions(tmp_path / "predictions/a/val.csv")
    np.testing.assert_allclose(written.probabilities, probabilities, atol=5e-7)
    assert written.class_names == GENRES and written.song_ids.tolist() == [0, 0]
