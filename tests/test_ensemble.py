"""The ensemble: members from params, the mean of their probabilities scored like a model, the manifest predict reads."""

import json
import shutil

import numpy as np
import pytest

from gtzan.architectures import build_model
from gtzan.ensemble import mean_probabilities, member_models, resolve_members, write_manifest
from gtzan.errors import UserError
from gtzan.evaluate import load_model, predict_probabilities, read_predictions, write_evaluation

GENRES = ["blues", "jazz", "metal"]
ARCHITECTURES = ["parallel_cnn", "cnn_rnn", "cnn_gru"]


def labels(segments: int) -> np.ndarray:
    """Songs of 2 segments (song ids: index // 2), genres in turn."""
    return (np.arange(segments) // 2) % len(GENRES)


def evaluate(root, name: str, probabilities: np.ndarray, *, members: list[str] | None = None) -> dict:
    """write_evaluation as the evaluate stage (members None) or the ensemble stage calls it; its metrics."""
    metrics, _ = write_evaluation(
        out_dir=root / "eval" / name, predictions_path=root / "predictions" / f"{name}.csv", actual=labels(len(probabilities)),
        probabilities=probabilities, class_names=GENRES, seed=3, song_ids=np.arange(len(probabilities)) // 2, members=members,
    )
    return metrics


def test_the_ensemble_of_identical_models_is_the_model(tmp_path):
    model_path = tmp_path / "model.keras"
    build_model("parallel_cnn", (80, 80, 1), len(GENRES)).save(model_path)
    spectrograms = np.random.default_rng(0).normal(size=(12, 80, 80, 1)).astype(np.float32)
    probabilities = predict_probabilities(load_model(model_path), spectrograms)
    model = evaluate(tmp_path, "parallel_cnn", probabilities)
    shutil.copyfile(tmp_path / "predictions/parallel_cnn.csv", tmp_path / "predictions/twin.csv")

    mean, _ = mean_probabilities([tmp_path / "predictions/parallel_cnn.csv", tmp_path / "predictions/twin.csv"])
    ensemble = evaluate(tmp_path, "ensemble", mean, members=["parallel_cnn", "twin"])
    assert ensemble.pop("members") == ["parallel_cnn", "twin"]
    assert ensemble == model
    for name in ("predictions/{}.csv", "eval/{}/scores.json"):
        assert (tmp_path / name.format("ensemble")).read_text() == (tmp_path / name.format("parallel_cnn")).read_text()


def test_the_ensemble_averages_its_members_probabilities(tmp_path):
    # segment by segment: a is sure of the right genre on half the segments, b on the other half, each
    # slightly wrong elsewhere; their mean is right everywhere
    actual = labels(8)
    right, wrong = np.eye(3)[actual], np.eye(3)[(actual + 1) % 3]
    first_half = (np.arange(8) < 4)[:, np.newaxis]
    a = np.where(first_half, right, 0.4 * wrong + 0.3 * right + 0.3 * np.eye(3)[(actual + 2) % 3])
    b = np.where(first_half, 0.4 * wrong + 0.3 * right + 0.3 * np.eye(3)[(actual + 2) % 3], right)
    assert evaluate(tmp_path, "a", a)["accuracy"] == evaluate(tmp_path, "b", b)["accuracy"] == 0.5
    mean, first = mean_probabilities([tmp_path / "predictions/a.csv", tmp_path / "predictions/b.csv"])
    np.testing.assert_allclose(mean, (a + b) / 2)
    np.testing.assert_array_equal(first.actual, actual)
    assert evaluate(tmp_path, "ensemble", mean)["accuracy"] == 1.0


def test_members_come_from_params():
    assert resolve_members(None, ARCHITECTURES) == ARCHITECTURES
    assert resolve_members(["cnn_gru", "cnn_rnn"], ARCHITECTURES) == ["cnn_gru", "cnn_rnn"]
    with pytest.raises(UserError, match=r"ensemble.members: 'lsmt' is not an architecture of models; valid names are \['parallel_cnn'"):
        resolve_members(["cnn_gru", "lsmt"], ARCHITECTURES)
    with pytest.raises(UserError, match=r"ensemble.members must be null .* or a list of architecture names, got \[\]"):
        resolve_members([], ARCHITECTURES)
    with pytest.raises(UserError, match=r"got 'cnn_gru'"):
        resolve_members("cnn_gru", ARCHITECTURES)
    with pytest.raises(UserError, match=r"names an architecture twice"):
        resolve_members(["cnn_gru", "cnn_gru"], ARCHITECTURES)


def test_members_evaluated_on_different_data_are_refused(tmp_path):
    evaluate(tmp_path, "a", np.eye(3)[[0, 1, 2, 0]])
    evaluate(tmp_path, "b", np.eye(3)[[0, 1, 2, 0, 1, 2]])
    with pytest.raises(UserError, match=r"b.csv and .*a.csv are not predictions of the same validation segments"):
        mean_probabilities([tmp_path / "predictions/a.csv", tmp_path / "predictions/b.csv"])
    with pytest.raises(UserError, match=r"c.csv not found: run the evaluate stage .*evaluate@c"):
        mean_probabilities([tmp_path / "predictions/a.csv", tmp_path / "predictions/c.csv"])


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
    evaluate(tmp_path, "a", probabilities)
    written = read_predictions(tmp_path / "predictions/a.csv")
    np.testing.assert_allclose(written.probabilities, probabilities, atol=5e-7)
    assert written.class_names == GENRES and written.song_ids.tolist() == [0, 0]
