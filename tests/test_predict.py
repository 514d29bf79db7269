"""The predict command: a tiny saved model, a prepare-style summary.json, audio the tests write."""

import dataclasses
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from gtzan.audio import load_audio
from gtzan.featurize import audio_segments
from gtzan.frontend import FrontEnd
from gtzan.architectures import build_model
from gtzan.predict import main, predict_file
from gtzan.prepared import load_summary, stamp_training_data

FRONTEND = FrontEnd(segments_per_clip=3)  # 80 x 80 segments of 2 s, 6 s clips
GENRES = ["blues", "classical", "metal"]


def write_summary(prepared, source: dict) -> None:
    prepared.mkdir(parents=True, exist_ok=True)
    summary = {
        "source": source,
        "num_classes": len(GENRES),
        "class_names": GENRES,
        "standardization": {"per": "mel bin", "mean": [0.0] * 80, "std": [1.0] * 80},
        "protocol": {"description": "song split 60/20/20: 36 train, 12 validation, 12 test songs"},
    }
    (prepared / "summary.json").write_text(json.dumps(summary, indent=2))


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A saved 3-genre parallel_cnn, its prepared summary, and audio files good and bad."""
    root = tmp_path_factory.mktemp("predict")
    model_path = root / "model.keras"
    build_model("parallel_cnn", (80, 80, 1), len(GENRES)).save(model_path)
    frontend_settings = dataclasses.asdict(FRONTEND)
    write_summary(root / "prepared", {"source": "synthetic", "seed": 42, "songs_per_genre": 20, "class_names": GENRES,
                                      "frontend": frontend_settings})
    write_summary(root / "drive", {"source": "gdrive", "folder_id": "154dxA9DPaEUW_QbCuW8e-eA5xYd73CQL"})
    stamp_training_data(model_path, load_summary(root / "prepared"))
    other_run = {"source": "synthetic", "seed": 7, "songs_per_genre": 20, "class_names": GENRES, "frontend": frontend_settings}
    write_summary(root / "other_run", other_run)
    (root / "a_folder.wav").mkdir()

    rng = np.random.default_rng(0)
    t = np.arange(9 * 22050) / 22050
    song = (0.3 * np.sin(2 * np.pi * 440 * t) + rng.normal(0, 0.05, len(t))).astype(np.float32)
    soundfile.write(root / "song.wav", song, 22050)  # 9 s: 4 full segments of 2 s
    soundfile.write(root / "short.au", song[:22050], 22050, subtype="PCM_16")  # 1 s
    (root / "corrupt.wav").write_bytes(rng.bytes(3000))
    (root / "empty.wav").write_bytes(b"")
    return root


def run_main(setup, capsys, *args, model=None, prepared=None):
    argv = [*args, "--model", str(model or setup / "model.keras"), "--prepared", str(prepared or setup / "prepared")]
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def top_lines(out: str) -> list[tuple[str, float]]:
    lines = out.splitlines()[2:]  # after the file's line and the model's
    lines = lines[: lines.index("segments:")] if "segments:" in lines else lines
    return [(line.split()[0], float(line.split()[1])) for line in lines]


def test_predict_file_averages_the_models_segment_probabilities(setup):
    prediction = predict_file(setup / "song.wav", model_path=setup / "model.keras", prepared_dir=setup / "prepared")
    assert prediction.segment_probabilities.shape == (4, 3)  # every full segment of the 9 s file
    assert prediction.segment_seconds == 2.0
    np.testing.assert_allclose(prediction.probabilities, prediction.segment_probabilities.mean(axis=0))
    assert prediction.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    # the same numbers as the front-end and the model by hand (mean 0, std 1: no change)
    import keras

    segments = audio_segments(load_audio(setup / "song.wav", 16000), FRONTEND, max_segments=4)
    expected = keras.models.load_model(setup / "model.keras").predict(segments, verbose=0)
    np.testing.assert_allclose(prediction.segment_probabilities, expected, rtol=1e-5, atol=1e-6)
    ranked = prediction.top(3)
    assert sorted(name for name, _ in ranked) == GENRES
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)


def test_the_command_prints_the_top_genres(setup, capsys):
    code, out, err = run_main(setup, capsys, str(setup / "song.wav"), "--top", "2")
    assert code == 0, err
    assert out.splitlines()[0].endswith("song.wav: 4 segments of 2 s")
    assert out.splitlines()[1] == (f"model: {setup / 'model.keras'}, trained on the synthetic data (seed 42, 20 songs per "
                                   "genre), song split 60/20/20: 36 train, 12 validation, 12 test songs")
    ranked = top_lines(out)
    assert len(ranked) == 2 and {name for name, _ in ranked} <= set(GENRES)
    probabilities = [p for _, p in ranked]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1.0 + 1e-3


def test_segments_prints_a_line_per_segment(setup, capsys):
    code, out, err = run_main(setup, capsys, str(setup / "song.wav"), "--segments")
    assert code == 0, err
    lines = out.splitlines()
    segment_lines = lines[lines.index("segments:") + 1 :]
    assert len(top_lines(out)) == 3
    assert len(segment_lines) == 4
    for index, line in enumerate(segment_lines):
        start, _, end, unit, genre, probability = line.split()
        assert (float(start), float(end), unit) == (2.0 * index, 2.0 * index + 2, "s")
        assert genre in GENRES and 1 / 3 <= float(probability) <= 1


def test_a_model_trained_on_the_drive_data_is_refused(setup, capsys):
    code, out, err = run_main(setup, capsys, str(setup / "song.wav"), prepared=setup / "drive")
    assert code == 1 and out == ""
    assert err.startswith("ERROR: the model was trained on data whose front-end this project cannot reproduce")
    assert "gdrive" in err and "data.source=synthetic or an audio folder" in err


@pytest.mark.parametrize(
    "name, reason",
    [
        ("corrupt.wav", "cannot be decoded"),
        ("empty.wav", "is empty"),
        ("short.au", "is 1.00 s long, shorter than one segment (2 s)"),
        ("missing.wav", "not found"),
    ],
)
def test_bad_audio_files_are_one_line_errors(setup, capsys, name, reason):
    code, out, err = run_main(setup, capsys, str(setup / name))
    assert code == 1 and out == ""
    assert err.startswith("ERROR: ") and name in err and reason in err
    assert err.count("\n") == 1


def test_missing_model_and_summary_are_errors(setup, capsys, tmp_path):
    code, _, err = run_main(setup, capsys, str(setup / "song.wav"), model=tmp_path / "none.keras")
    assert code == 1 and err.startswith("ERROR: model file") and "none.keras not found" in err
    code, _, err = run_main(setup, capsys, str(setup / "song.wav"), prepared=tmp_path)
    assert code == 1 and err.startswith("ERROR: ") and "summary.json not found" in err


def test_the_module_runs_as_a_command(setup):
    command = [sys.executable, "-m", "gtzan.predict", str(setup / "corrupt.wav"), "--model", str(setup / "model.keras"),
               "--prepared", str(setup / "prepared")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR:")]  # TF may log start-up lines too
    assert errors == [f"ERROR: {setup / 'corrupt.wav'} cannot be decoded: Format not recognised."]

    result = subprocess.run(command[:3] + [str(setup / "song.wav")] + command[4:], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(top_lines(result.stdout)) == 3


def test_a_model_from_another_run_is_refused_naming_both(setup, capsys):
    code, out, err = run_main(setup, capsys, str(setup / "song.wav"), prepared=setup / "other_run")
    assert code == 1 and out == ""
    assert "model.keras was trained on other data than" in err and "other_run holds" in err
    assert "the synthetic data (seed 7, 20 songs per genre)" in err and "dvc exp apply" in err
    assert err.count("\n") == 1


def test_a_model_that_does_not_record_its_data_is_refused(setup, capsys, tmp_path):
    build_model("parallel_cnn", (80, 80, 1), len(GENRES)).save(tmp_path / "old.keras")
    code, _, err = run_main(setup, capsys, str(setup / "song.wav"), model=tmp_path / "old.keras")
    assert code == 1 and "does not record the data it was trained on" in err and "retrain it" in err


def test_a_folder_given_as_the_audio_file_is_named(setup, capsys):
    code, _, err = run_main(setup, capsys, str(setup / "a_folder.wav"))
    assert code == 1 and "a_folder.wav is a directory, not an audio file" in err


def test_the_ensemble_manifest_averages_its_member_models(setup, tmp_path):
    other = tmp_path / "other.keras"
    build_model("parallel_cnn", (80, 80, 1), len(GENRES)).save(other)  # other initial weights
    stamp_training_data(other, load_summary(setup / "prepared"))
    shutil.copyfile(setup / "model.keras", tmp_path / "model.keras")
    (tmp_path / "ensemble.json").write_text(json.dumps({"members": {"model": "model.keras", "other": "other.keras"}}))

    def predict(model_path):
        return predict_file(setup / "song.wav", model_path=model_path, prepared_dir=setup / "prepared")

    ensemble = predict(tmp_path / "ensemble.json")
    expected = (predict(tmp_path / "model.keras").segment_probabilities + predict(other).segment_probabilities) / 2
    np.testing.assert_allclose(ensemble.segment_probabilities, expected, rtol=1e-6)
    np.testing.assert_allclose(ensemble.probabilities, expected.mean(axis=0), rtol=1e-6)


def test_an_ensemble_whose_member_is_missing_or_from_another_run_is_refused(setup, capsys, tmp_path):
    (tmp_path / "ensemble.json").write_text(json.dumps({"members": {"cnn_gru": "cnn_gru.keras"}}))
    code, _, err = run_main(setup, capsys, str(setup / "song.wav"), model=tmp_path / "ensemble.json")
    assert code == 1 and "cnn_gru.keras not found" in err
    code, _, err = run_main(setup, capsys, str(setup / "song.wav"), model=tmp_path / "none.json")
    assert code == 1 and "ensemble manifest" in err and "none.json not found" in err
    shutil.copyfile(setup / "model.keras", tmp_path / "cnn_gru.keras")
    code, _, err = run_main(setup, capsys, str(setup / "song.wav"), model=tmp_path / "ensemble.json", prepared=setup / "other_run")
    assert code == 1 and "cnn_gru.keras was trained on other data than" in err
