"""The DVC pipeline end to end, in a temporary copy of the repository, on tiny synthetic data."""

import csv
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from clean_keras import load_without_this_project
from conftest import REPO_ROOT, read_committed_yaml

from gtzan.cli import set_param
from gtzan.curves import read_curves
from gtzan.predictions import read_predictions

BIN = Path(sys.executable).parent


def assert_draws_offline(page: Path) -> None:
    html = page.read_text()
    assert "vegaEmbed(" in html and 'data-library="vega-embed@' in html
    assert not re.search(r"<script[^>]+src=", html), "the page must not load scripts from the internet"


def shrink(params: dict) -> dict:
    """The real configuration, shrunk: a few songs of 3 segments, one short epoch per model."""
    params["data"]["source"] = "synthetic"
    params["data"]["synthetic"]["songs_per_genre"] = 5
    params["frontend"]["segments_per_clip"] = 3
    for block in params["models"].values():
        block["epochs"] = 1
        block["batch_size"] = 32
    return params


def copy_repository(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    skip = ("data/", "models/", "dvclive/", "eval/", "predictions/", "plots/", "dvc.lock")
    for name in filter(None, listed):
        if name.startswith(skip) or not (REPO_ROOT / name).exists():
            continue
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, destination / name)
    # the committed parameters: `make demo` and `dvc exp run -S` rewrite the workspace's
    (destination / "params.yaml").write_text(yaml.safe_dump(read_committed_yaml("params.yaml"), sort_keys=False))


class Repo:
    def __init__(self, path: Path):
        self.path = path
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            # the copy's own code, not the editable install's (the checkout the venv was made in)
            "PYTHONPATH": str(path / "src"),
            "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
            "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
        }

    def run(self, *command: str) -> str:
        result = subprocess.run(command, cwd=self.path, env=self.env, capture_output=True, text=True)
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{output[-4000:]}"
        return output

    def dvc(self, *args: str) -> str:
        return self.run(str(BIN / "dvc"), *args)

    def json(self, name: str):
        return json.loads((self.path / name).read_text())

    def edit_params(self, change) -> None:
        params = yaml.safe_load((self.path / "params.yaml").read_text())
        change(params)
        (self.path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def new_repository(path: Path, change=None) -> "Repo":
    """A git repository at path holding a copy of this one, its params.yaml edited by change, committed."""
    repo = Repo(path)
    repo.path.mkdir()
    copy_repository(repo.path)
    if change:
        repo.edit_params(change)
    repo.run("git", "init", "-q")
    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "a copy of the repository")
    return repo


# The architectures of the trained repository the end-to-end tests run on: every kind of stage, with models
# that train in seconds (test_models checks each of the nine architectures' build, training step and saving).
FEW = ["cnn_rnn", "cnn_gru"]


def shrink_to_few(params: dict) -> dict:
    """With a test side (per genre: 3 training, 1 validation, 1 test song): the report headlines test figures."""
    params = shrink(params)
    params["data"]["test_fraction"] = 0.2
    params["models"] = {name: params["models"][name] for name in FEW}
    return params


def trained_repository(path: Path, change) -> tuple[Repo, str]:
    """A temporary copy of the repository, changed, after one `dvc repro` (committed), and that run's output."""
    repo = new_repository(path, change)
    output = repo.dvc("repro")
    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "trained")
    return repo, output


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> tuple[Repo, str]:
    """The FEW architectures, shrunk: trained once a run, by the first pytest-xdist worker that needs it, while
    the others wait for it (tests change their own copies only). A failed training fails every test that needs it."""
    if "PYTEST_XDIST_WORKER" not in os.environ:  # one process
        return trained_repository(tmp_path_factory.mktemp("pipeline") / "repo", shrink_to_few)
    shared = tmp_path_factory.getbasetemp().parent / "trained"  # the run's temporary folder, not a worker's
    output, failure = shared / "dvc_repro_output.txt", shared / "failed.txt"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not output.exists() and not failure.exists():
            shutil.rmtree(shared, ignore_errors=True)  # what a killed worker left
            shared.mkdir()
            try:
                repro_output = trained_repository(shared / "repo", shrink_to_few)[1]
            except BaseException as error:
                failure.write_text(f"{type(error).__name__}: {error}")
                raise
            partial = output.with_suffix(".partial")  # the whole output or none of it
            partial.write_text(repro_output)
            partial.rename(output)
    if failure.exists():
        pytest.fail(f"the trained repository failed in another worker: {failure.read_text()[-3000:]}")
    return Repo(shared / "repo"), output.read_text()


def own_copy(trained: tuple[Repo, str], tmp_path: Path) -> Repo:
    """A test's own copy of a trained repository (git history, DVC cache and outputs included)."""
    shutil.copytree(trained[0].path, tmp_path / "repo", symlinks=True)
    return Repo(tmp_path / "repo")


@pytest.fixture
def repo(trained, tmp_path) -> Repo:
    return own_copy(trained, tmp_path)


def song_accuracy_in(predictions_csv: Path) -> float:
    """The share of songs whose song-level prediction is their genre, from evaluate's predictions file."""
    rows = list(csv.DictReader(predictions_csv.open()))
    songs = {row["song"]: row["actual"] == row["song_predicted"] for row in rows}
    return sum(songs.values()) / len(songs)


def top_genres(prediction: str) -> list[tuple[str, float]]:
    """predict's ranked (genre, probability) lines: those between the header and `segments:`."""
    lines = prediction.strip().splitlines()[2:]  # after the file's line and the model's
    lines = lines[: lines.index("segments:")] if "segments:" in lines else lines
    return [(line.split()[0], float(line.split()[1])) for line in lines]


def ran(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


@pytest.mark.slow
def test_dvc_repro_runs_every_stage_once(trained):
    names = FEW
    stages = {"download", "featurize", "prepare", "ensemble", "report", *(f"train@{name}" for name in names),
              *(f"evaluate@{name}" for name in names)}
    assert ran(trained[1]) == stages
    summary = trained[0].json("data/prepared/summary.json")
    assert {side: count["total"] for side, count in summary["counts"].items()} == {"train": 8 * 3 * 3, "val": 8 * 3, "test": 8 * 3}
    assert summary["source"]["source"] == "synthetic"
    assert summary["protocol"]["description"] == "song split 60/20/20: 24 train, 8 validation, 8 test songs"


@pytest.mark.slow
def test_each_architecture_has_its_model_log_metrics_and_predictions(trained):
    repo = trained[0]
    class_names = repo.json("data/prepared/summary.json")["class_names"]
    protocol = repo.json("data/prepared/summary.json")["protocol"]["description"]
    for name in FEW:
        assert (repo.path / f"models/{name}.keras").stat().st_size > 0
        trained_metrics = repo.json(f"dvclive/{name}/metrics.json")
        curves = read_curves(repo.path / f"dvclive/{name}")
        assert trained_metrics["epochs"] == 1 and trained_metrics["val_accuracy_best"] == pytest.approx(max(curves["accuracy"]["validation"]), abs=1e-6)
        assert trained_metrics["eval"]["accuracy"] == curves["accuracy"]["validation"][-1]
        assert (repo.path / f"plots/curves/{name}.png").read_bytes().startswith(b"\x89PNG")
        evaluation = repo.json(f"eval/{name}/metrics.json")
        assert evaluation["data"] == trained_metrics["data"] == f"the synthetic data (seed 42, 5 songs per genre), {protocol}"
        for side in ("val", "test"):
            figures = evaluation[side]
            assert figures["songs"] == 8 and figures["bootstrap_unit"] == "song", "the synthetic data carries song ids"
            assert figures["song_accuracy"] == pytest.approx(song_accuracy_in(repo.path / f"predictions/{name}/{side}.csv"), abs=1e-6)
            predictions = read_predictions(repo.path / f"predictions/{name}/{side}.csv")
            assert predictions.class_names == class_names and predictions.probabilities.shape == (24, 8)
            assert figures["accuracy"] == pytest.approx(np.mean(predictions.predicted == predictions.actual), abs=1e-6)
            assert figures["accuracy_ci_low"] <= figures["accuracy"] <= figures["accuracy_ci_high"]
            assert sum(map(sum, repo.json(f"eval/{name}/scores.json")[side]["confusion"]["counts"])) == 24
        val_songs, test_songs = (set(read_predictions(repo.path / f"predictions/{name}/{side}.csv").song_ids) for side in ("val", "test"))
        assert not val_songs & test_songs
    ensemble = repo.json("eval/ensemble/metrics.json")
    assert ensemble["members"] == FEW and set(ensemble) == {"data", "members", "val", "test"}
    assert read_predictions(repo.path / "eval/ensemble/predictions/test.csv").probabilities.shape == (24, 8)
    assert repo.json("models/ensemble.json")["members"] == {name: f"{name}.keras" for name in FEW}
    for path in ["data/raw", "data/prepared", "predictions/cnn_gru", *(f"models/{name}.keras" for name in FEW)]:
        repo.run("git", "check-ignore", "-q", path)  # data, models and predictions go to the DVC cache, not git


@pytest.mark.slow
def test_the_report_headlines_model_name_and_compares_every_model(trained):
    repo = trained[0]
    headline = repo.json("plots/headline/metrics.json")
    assert headline["model"] == read_committed_yaml("params.yaml")["model"]["name"] == "cnn_gru"
    test = repo.json("eval/cnn_gru/metrics.json")["test"]
    assert headline["test"]["accuracy_ci_low"] <= headline["test"]["accuracy"] == test["accuracy"] <= headline["test"]["accuracy_ci_high"]
    assert "song_accuracy" in headline["val"] and headline["data"].endswith("8 test songs")
    assert (repo.path / "plots/headline/predictions.csv").read_bytes() == (repo.path / "predictions/cnn_gru/test.csv").read_bytes()
    report = (repo.path / "plots/report.md").read_text()
    assert report.splitlines()[2].startswith(f"Data: {headline['data']}; "), "the report's first lines name the protocol"
    assert f"**cnn_gru**, test accuracy {100 * test['accuracy']:.1f}% [" in report, "the headline figure is the test side's"
    assert all(f"| {name} |" in report for name in ["cnn_rnn", "ensemble"]) and "| **cnn_gru** |" in report
    assert "## cnn_gru against each other model, on the test side" in report
    assert "over the 8 test songs, each song's segments resampled together" in report
    assert (repo.path / "plots/report.html").read_text().count("data:image/png;base64,") == len(FEW) + 2


@pytest.mark.slow
def test_dvc_exp_show_has_every_evaluation_and_training_column(repo):
    [workspace] = [row for row in json.loads(repo.dvc("exp", "show", "--json")) if row["rev"] == "workspace"]
    metrics = {path: file["data"] for path, file in workspace["data"]["metrics"].items()}
    for path, key in [("eval/ensemble/metrics.json", "test.accuracy"), ("eval/cnn_gru/metrics.json", "test.song_accuracy_ci_high"),
                      ("eval/cnn_gru/metrics.json", "val.accuracy"), ("eval/cnn_gru/metrics.json", "val.bootstrap_unit"),
                      ("eval/cnn_gru/metrics.json", "data"), ("dvclive/cnn_gru/metrics.json", "val_accuracy_best"),
                      ("dvclive/cnn_gru/metrics.json", "data"), ("plots/headline/metrics.json", "test.accuracy_ci_low")]:
        value = metrics[path]
        for part in key.split("."):
            assert part in value, f"dvc exp show lacks {path}:{key}"
            value = value[part]


@pytest.mark.slow
def test_after_a_repro_nothing_is_stale_and_nothing_runs(repo):
    assert json.loads(repo.dvc("status", "--json")) == {}
    assert "Running stage" not in repo.dvc("repro")


@pytest.mark.slow
def test_a_subset_of_members_rescores_the_ensemble_and_a_non_members_lever_leaves_it_and_is_named(repo):
    members = ["cnn_gru"]
    repo.edit_params(lambda p: p["ensemble"].update(members=members))
    assert ran(repo.dvc("repro")) == {"ensemble", "report"}
    assert repo.json("eval/ensemble/metrics.json")["members"] == members
    assert "ensemble: the mean of the saved models' probabilities of 1 architecture (cnn_gru;" in (
        repo.path / "plots/report.md").read_text()
    # An augmentation lever of a non-member, as docs/experiments.md sets one. DVC cannot take deps from a param:
    # the ensemble may rerun, to the same result.
    files = ["eval/ensemble/metrics.json", "eval/ensemble/scores.json", "eval/ensemble/predictions/val.csv",
             "eval/ensemble/predictions/test.csv"]
    before = [(repo.path / path).read_bytes() for path in files]
    output = repo.dvc("exp", "run", "-n", "mixup", "-S", "models.cnn_rnn.augment.mixup_alpha=0.2")
    assert {"train@cnn_rnn", "evaluate@cnn_rnn", "report"} <= ran(output) <= {"train@cnn_rnn", "evaluate@cnn_rnn", "ensemble", "report"}
    assert [(repo.path / path).read_bytes() for path in files] == before
    params = yaml.safe_load((repo.path / "params.yaml").read_text())
    assert params["models"]["cnn_rnn"]["augment"]["mixup_alpha"] == 0.2
    assert params["models"]["cnn_gru"]["augment"]["mixup_alpha"] == 0.0
    # the report and `dvc exp show` name it
    [experiment] = [run for row in json.loads(repo.dvc("exp", "show", "--json")) for group in row.get("experiments") or []
                    for run in group["revs"] if run["name"] == "mixup"]
    assert experiment["data"]["params"]["params.yaml"]["data"]["models"]["cnn_rnn"]["augment"]["mixup_alpha"] == 0.2
    assert experiment["data"]["metrics"]["dvclive/cnn_rnn/metrics.json"]["data"]["augment"] == "mixup α 0.2"
    report = (repo.path / "plots/report.md").read_text()
    assert re.search(r"^\| cnn_rnn \|.* \| mixup α 0\.2 \| ", report, re.MULTILINE)
    assert re.search(r"^\| \*\*cnn_gru\*\* \|.* \| none \| ", report, re.MULTILINE)


@pytest.mark.slow
def test_dvc_plots_show_draws_every_curve_and_confusion_matrix_offline(repo):
    assert json.loads(repo.dvc("plots", "show", "--json")).get("errors", []) == [], "every plot file is one DVC can draw"
    repo.dvc("plots", "show", "-o", "plots_html")
    assert_draws_offline(repo.path / "plots_html/index.html")
    html = (repo.path / "plots_html/index.html").read_text()
    for name in FEW:
        for split in ("train", "eval"):
            assert f"dvclive/{name}/plots/metrics/{split}/loss.tsv" in html and f"dvclive/{name}/plots/metrics/{split}/accuracy.tsv" in html
        assert f"predictions/{name}/val.csv" in html and f"predictions/{name}/test.csv" in html
    assert "eval/ensemble/predictions/test.csv" in html, "the ensemble's confusion matrix"
    assert "headline_loss" in html and "headline_accuracy" in html and "plots/headline/predictions.csv" in html


@pytest.mark.slow
def test_every_trained_model_loads_and_predicts_the_same_with_plain_keras_without_this_project(trained, tmp_path):
    repo = trained[0]
    names = FEW
    segments = np.load(repo.path / "data/prepared/val/spectrograms.npy")
    paths = [repo.path / f"models/{name}.keras" for name in names]
    probabilities, packages = load_without_this_project(paths, segments, tmp_path)
    assert packages == {name: ["keras"] for name in names}
    for name in names:
        evaluated = read_predictions(repo.path / f"predictions/{name}/val.csv").probabilities
        np.testing.assert_allclose(probabilities[name], evaluated, atol=1e-5, err_msg=name)


@pytest.mark.slow
def test_editing_a_source_file_makes_exactly_its_stages_stale(repo):
    names = FEW

    def stale_after_editing(path: str) -> set[str]:
        repo.run("git", "checkout", "-q", "--", ".")
        with (repo.path / path).open("a") as file:
            file.write("\n# an edit\n")
        return set(json.loads(repo.dvc("status", "--json")))

    assert stale_after_editing("src/gtzan/audio.py") == {"download", "featurize"}
    assert stale_after_editing("src/gtzan/featurize.py") == {"featurize"}
    assert stale_after_editing("src/gtzan/songs.py") == {"ensemble", *(f"evaluate@{name}" for name in names)}
    assert stale_after_editing("src/gtzan/splits.py") == {"prepare"}
    assert stale_after_editing("src/gtzan/ensemble.py") == {"ensemble"}
    assert stale_after_editing("src/gtzan/report/tables.py") == {"report"}
    assert stale_after_editing("src/gtzan/architectures/cnn_gru.py") == {"train@cnn_gru"}
    assert stale_after_editing("src/gtzan/train.py") == {f"train@{name}" for name in names}
    assert stale_after_editing("src/gtzan/curves.py") == {"report"}


TOY_ARCHITECTURE = """\"\"\"A toy architecture: global average pooling and a softmax.\"\"\"

import keras
from keras import layers


def build_toy(input_shape, num_classes: int, *, hidden_units: int = 4) -> keras.Model:
    inputs = keras.Input(shape=input_shape, name="log_mel")
    x = layers.GlobalAveragePooling2D(name="pool")(inputs)
    x = layers.Dense(units=hidden_units, activation="relu", name="hidden")(x)
    outputs = layers.Dense(units=num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="toy")
"""


@pytest.mark.slow
@pytest.mark.scenario
def test_a_toy_architecture_needs_a_module_and_a_params_block_only(repo):
    dvc_yaml = (repo.path / "dvc.yaml").read_text()
    (repo.path / "src/gtzan/architectures/toy.py").write_text(TOY_ARCHITECTURE)
    block = {"epochs": 2, "batch_size": 32, "optimizer": "adam", "learning_rate": 1.0e-3, "architecture": {"hidden_units": 8}}
    repo.edit_params(lambda p: p["models"].update(toy=block))

    assert ran(repo.dvc("repro")) == {"train@toy", "evaluate@toy", "ensemble", "report"}
    assert (repo.path / "dvc.yaml").read_text() == dvc_yaml
    assert "toy" in repo.json("eval/ensemble/metrics.json")["members"], "ensemble.members: null takes every architecture"
    assert repo.json("dvclive/toy/metrics.json")["epochs"] == 2
    assert "accuracy" in repo.json("eval/toy/metrics.json")["test"]
    assert "| toy |" in (repo.path / "plots/report.md").read_text()
    plotted = repo.dvc("plots", "show", "--json")
    for path in ("dvclive/toy/plots/metrics/eval/loss.tsv", "dvclive/toy/plots/metrics/train/accuracy.tsv", "predictions/toy/test.csv",
                 "dvclive/cnn_gru/plots/metrics/eval/loss.tsv"):
        assert path in plotted, f"{path} is not among the charts of dvc plots show"


@pytest.mark.slow
def test_experiments_on_model_name_retrain_nothing_and_diff(repo):
    experiments = {}
    for name in FEW:
        output = repo.dvc("exp", "run", "-n", f"study-{name}", "-S", f"model.name={name}")
        assert ran(output) == {"report"}, "changing model.name retrains nothing"
        assert repo.json("plots/headline/metrics.json")["model"] == name
        experiments[name] = f"study-{name}"

    shown = json.loads(repo.dvc("exp", "show", "--json"))
    assert "study-" in json.dumps(shown)

    assert json.loads(repo.dvc("plots", "diff", *experiments.values(), "--json")).get("errors", []) == []
    repo.dvc("plots", "diff", *experiments.values(), "-o", "diff_html")
    assert_draws_offline(repo.path / "diff_html/index.html")
    html = (repo.path / "diff_html/index.html").read_text()
    assert all(name in html for name in experiments.values())
    assert "headline_loss" in html and "plots/headline/predictions.csv" in html


def shrink_to_audio(folder: Path, genres: list[str], architecture: str):
    """The real configuration on an audio folder: 3 segments per clip, one architecture, one epoch, and musicnn's probe."""

    def change(params: dict) -> None:
        shrink(params)
        params["data"].update(source=str(folder), genres=genres, num_classes=len(genres), split="song")
        params["models"] = {architecture: params["models"][architecture]}
        params["model"]["name"] = architecture
        params["transfer"]["models"] = ["musicnn"]
        params["transfer"]["musicnn"]["epochs"] = 5

    return change


@pytest.mark.slow
@pytest.mark.scenario
def test_dvc_repro_on_an_audio_folder_with_musicnn_then_the_segment_split_reruns_prepare_not_the_decoding(tmp_path):
    from gtzan.synthetic import write_audio_folder

    folder = write_audio_folder(tmp_path / "audio", songs_per_genre=5, seed=7, seconds=6.5)
    (folder / "jazz/broken.wav").write_bytes(b"RIFF, but not audio")
    genres, architecture = ["metal", "classical", "jazz"], "parallel_cnn"
    repo = new_repository(tmp_path / "repo", shrink_to_audio(folder, genres, architecture))

    output = repo.dvc("repro")
    assert "skipped jazz/broken.wav" in output
    summary = repo.json("data/prepared/summary.json")
    assert summary["source"]["source"] == "audio" and summary["protocol"]["description"] == "song split 80/20: 12 train, 3 validation songs"
    assert summary["class_names"] == genres and summary["song_ids"]
    assert summary["counts"]["train"]["total"] == 3 * 4 * 3 and summary["counts"]["val"]["total"] == 3 * 1 * 3
    train_songs = np.load(repo.path / "data/prepared/train/song_ids.npy")
    val_songs = np.load(repo.path / "data/prepared/val/song_ids.npy")
    assert not set(train_songs) & set(val_songs), "no song on both sides of the split"
    song_accuracy = repo.json(f"eval/{architecture}/metrics.json")["val"]["song_accuracy"]
    assert song_accuracy == pytest.approx(song_accuracy_in(repo.path / f"predictions/{architecture}/val.csv"), abs=1e-6)
    assert "song_accuracy" in repo.json("plots/headline/metrics.json")["val"]
    assert "test" not in repo.json(f"eval/{architecture}/metrics.json"), "no test side unless data.test_fraction asks"
    assert set(repo.json(f"eval/{architecture}/scores.json")["val"]["per_genre"]) == set(genres)
    # musicnn's probe beside the architecture: the same segments, in the same order, scored and reported alike
    probe, ours = (read_predictions(repo.path / f"predictions/{name}/val.csv") for name in ("musicnn", architecture))
    assert probe.actual.tolist() == ours.actual.tolist() and probe.song_ids.tolist() == ours.song_ids.tolist()
    assert repo.json("eval/musicnn/metrics.json")["val"]["accuracy"] == pytest.approx(np.mean(probe.predicted == probe.actual), abs=1e-6)
    assert repo.json("dvclive/musicnn/metrics.json")["epochs"] <= 5
    assert repo.json("eval/ensemble/metrics.json")["members"] == [architecture, "musicnn"]
    assert "| musicnn |" in (repo.path / "plots/report.md").read_text()

    # the ensemble of the architecture and musicnn's probe: each member gets its own input
    prediction = repo.run(
        str(BIN / "python"), "-m", "gtzan.predict", str(folder / "metal/metal.00002.wav"),
        "--model", "models/ensemble.json", "--top", "3", "--segments",
    )
    ranked = top_genres(prediction)
    assert sorted(genre for genre, _ in ranked) == sorted(genres), prediction
    assert [probability for _, probability in ranked] == sorted((probability for _, probability in ranked), reverse=True)
    assert sum(probability for _, probability in ranked) == pytest.approx(1.0, abs=2e-3), "three genres: all of the mass"
    assert prediction.splitlines()[1] == (f"model: models/ensemble.json, trained on the audio folder {folder} "
                                          f"({', '.join(genres)}), song split 80/20: 12 train, 3 validation songs")

    # The Drive data's protocol: the split changes, the decoded audio and the features do not.
    repo.edit_params(lambda params: params["data"].update(split="segment"))
    assert set(json.loads(repo.dvc("status", "--json"))) == {"prepare"}, "download and featurize are up to date, prepare is not"
    assert ran(repo.dvc("repro", "prepare")) == {"prepare"}
    followers = {f"train@{architecture}", f"evaluate@{architecture}", "ensemble", "report",
                 "embed@musicnn", "probe@musicnn", "evaluate_pretrained@musicnn"}
    assert set(json.loads(repo.dvc("status", "--json"))) == followers, "what prepare feeds is stale now, download still is not"
    train_songs = np.load(repo.path / "data/prepared/train/song_ids.npy")
    val_songs = np.load(repo.path / "data/prepared/val/song_ids.npy")
    assert set(train_songs) & set(val_songs) and len(set(train_songs) | set(val_songs)) == 15


@pytest.mark.slow
@pytest.mark.scenario
def test_the_documented_sweep_after_uncommitted_results_retrains_only_the_swept_architecture(repo):
    # As after `make demo`: the results are in the workspace but not in the last commit.
    results = ["dvc.lock", "dvclive", "eval", "predictions", "plots"]
    repo.run("git", "rm", "-r", "-q", "--cached", *results)
    repo.run("git", "commit", "-qm", "code and params only")
    # The sweep of docs/experiments.md: commit the results as a baseline, then queue one architecture's changes.
    repo.run("git", "switch", "-q", "-c", "demo-baseline")
    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "Demo results")
    rates = ["5.0e-3"]  # one queued run shows it; docs/experiments.md queues several
    for rate in rates:
        repo.dvc("exp", "run", "--queue", "-n", f"lr-{rate}", "-S", "model.name=cnn_gru", "-S", f"models.cnn_gru.learning_rate={rate}")
    repo.dvc("queue", "start", "--jobs", "1")
    deadline = time.monotonic() + 600
    while "Queued" in (status := repo.dvc("queue", "status")) or "Running" in status:
        assert time.monotonic() < deadline, f"the queue did not finish:\n{status}"
        time.sleep(2)
    assert status.count("Success") == len(rates), status
    for rate in rates:
        assert ran(repo.dvc("queue", "logs", f"lr-{rate}")) == {"train@cnn_gru", "evaluate@cnn_gru", "ensemble", "report"}

    shown = json.dumps(json.loads(repo.dvc("exp", "show", "--json")))
    assert all(f"lr-{rate}" in shown for rate in rates)
    repo.dvc("plots", "diff", "demo-baseline", *(f"lr-{rate}" for rate in rates), "-o", "sweep_html")
    assert_draws_offline(repo.path / "sweep_html/index.html")
    assert all(name in (repo.path / "sweep_html/index.html").read_text() for name in ["demo-baseline", f"lr-{rates[0]}"])


def demo_params() -> dict[str, object]:
    """The Makefile's DEMO_PARAMS, {"models.cnn_gru.epochs": 8, ...}."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    return {key: yaml.safe_load(value) for key, value in re.findall(r"-S ([\w.]+)=(\S+)", makefile)}


@pytest.mark.slow
@pytest.mark.scenario
def test_the_fast_suite_passes_after_the_demo_rewrote_params_yaml(tmp_path):
    repo = new_repository(tmp_path / "repo")  # committed as cloned

    def as_the_demo_does(params: dict) -> None:
        for dotted, value in demo_params().items():
            set_param(params, dotted, value)

    repo.edit_params(as_the_demo_does)
    assert yaml.safe_load((repo.path / "params.yaml").read_text())["models"]["cnn_gru"]["epochs"] == 8
    output = repo.run(str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "-m", "not slow", "tests/test_train.py",
                      "tests/test_models.py", "tests/test_dvc_yaml.py", "-k", "params or dvc or stage")
    assert " passed" in output and "failed" not in output


# colab.ipynb, executed as Colab runs it, on the CPU: its clone and install cells skip themselves outside
# Colab (IN_COLAB), and its `make demo` runs in a trained copy of the repository.
@pytest.mark.slow
@pytest.mark.scenario
def test_the_colab_notebook_runs_the_demo_and_shows_the_report_and_every_curve(trained, tmp_path, monkeypatch):
    repo = own_copy(trained, tmp_path)
    (repo.path / ".venv").symlink_to(BIN.parent)  # the environment `make install` built: the notebook skips its install
    for lock_input in ("pyproject.toml", "uv.lock"):
        os.utime(repo.path / lock_input, (0, 0))  # older than the environment, as after `make install`
    for name, value in repo.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DEMO_PARAMS", "")  # the copy's committed, tiny configuration: `make demo` reruns nothing

    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(REPO_ROOT / "colab.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(repo.path)}}).execute()

    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    text = "".join(output.get("text", "") for output in outputs if output.output_type == "stream")
    assert "TensorFlow 2.21.0 on the CPU" in text
    assert "Report: plots/report.html" in text, "make demo ran to its end"
    shown = [output.data for output in outputs if output.output_type == "display_data"]
    assert shown[0]["text/markdown"] == (repo.path / "plots/report.md").read_text()
    assert len([data for data in shown if "image/png" in data]) == len(list((repo.path / "plots/curves").glob("*.png"))) == len(FEW)


def interrupt_training(repo: Repo, name: str, signal_number: int, after_epochs: int) -> tuple[int, str]:
    """Start `dvc repro train@name` (its params changed: it is stale), send signal_number to it and its stage
    (as Ctrl-C in a terminal does) once after_epochs epochs are in the checkpoint; return the epochs
    saved and the output."""
    checkpoint = repo.path / f"checkpoints/{name}.npz"
    process = subprocess.Popen(
        [str(BIN / "dvc"), "repro", f"train@{name}"], cwd=repo.path, env=repo.env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while checkpoint_epoch(checkpoint) < after_epochs:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"training ended before it was interrupted:\n{process.communicate()[0][-3000:]}")
        time.sleep(0.05)
    os.killpg(process.pid, signal_number)
    output, _ = process.communicate(timeout=120)
    assert process.returncode != 0, output
    return checkpoint_epoch(checkpoint), output


def checkpoint_epoch(path: Path) -> int:
    try:
        return json.loads(str(np.load(path)["state"]))["epoch"]
    except (OSError, KeyError, ValueError):
        return 0


def training_results(repo: Repo, name: str) -> tuple[dict, list, list]:
    import keras

    metrics = repo.json(f"dvclive/{name}/metrics.json")
    for timing in ("train_seconds", "first_epoch_seconds", "seconds_per_epoch", "samples_per_second"):
        del metrics[timing]
    curve = (repo.path / f"dvclive/{name}/plots/metrics/eval/accuracy.tsv").read_text().splitlines()
    weights = keras.models.load_model(repo.path / f"models/{name}.keras").get_weights()
    return metrics, curve, weights


@pytest.mark.slow
@pytest.mark.scenario
def test_an_interrupted_train_stage_resumes_and_ends_as_an_uninterrupted_one(repo):
    name, epochs = "cnn_rnn", 20
    every_lever = {"time_masks": 2, "time_mask_width": 8, "freq_masks": 2, "freq_mask_width": 8, "mixup_alpha": 0.2,
                   "label_smoothing": 0.1}  # their draws resume too
    repo.edit_params(lambda params: params["models"][name].update(epochs=epochs, augment=every_lever))

    # A first run, killed (power loss), then resumed and interrupted again with Ctrl-C, then resumed to the end.
    killed_at, _ = interrupt_training(repo, name, signal.SIGKILL, after_epochs=3)
    assert 3 <= killed_at < epochs
    assert not (repo.path / f"models/{name}.keras").exists()
    assert "val_accuracy_best" not in repo.json(f"dvclive/{name}/metrics.json"), "DVCLive's summary of the epochs done, no more"
    assert "checkpoints" not in repo.run("git", "status", "--porcelain", "--untracked-files=all"), "git ignores checkpoints"
    stopped_at, output = interrupt_training(repo, name, signal.SIGINT, after_epochs=killed_at + 2)
    assert f"Resuming {name} from epoch {killed_at + 1}" in output and f"Epoch {killed_at}/{epochs}" not in output
    assert "Traceback" not in output
    assert (f"Interrupted: training {name} stopped in epoch {stopped_at + 1} of {epochs}; "
            f"`dvc repro` resumes from epoch {stopped_at + 1}") in output

    output = repo.dvc("repro", f"train@{name}")
    assert f"Resuming {name} from epoch {stopped_at + 1}" in output
    assert f"Epoch {stopped_at + 1}/{epochs}" in output and f"Epoch {stopped_at}/{epochs}" not in output
    assert not (repo.path / f"checkpoints/{name}.npz").exists(), "removed once the stage succeeded"
    resumed = training_results(repo, name)

    # The same stage uninterrupted (not restored from DVC's run cache, which holds the resumed run's outputs;
    # --single-item: download and prepare, which --force alone would rerun too, stay as they are).
    repo.dvc("repro", "--force", "--single-item", "--no-run-cache", f"train@{name}")
    uninterrupted = training_results(repo, name)
    assert resumed[0] == uninterrupted[0] and resumed[1] == uninterrupted[1]
    assert len(resumed[1]) == 1 + epochs, "DVCLive's curve holds every epoch, those before the interruptions too"
    assert all(np.array_equal(a, b) for a, b in zip(resumed[2], uninterrupted[2]))
    print(f"killed after epoch {killed_at}, resumed from {killed_at + 1}; interrupted after {stopped_at}, "
          f"resumed from {stopped_at + 1}; metrics, DVCLive curve and {len(resumed[2])} weight arrays equal")


def experiment_metrics(repo: Repo) -> dict[str, dict]:
    """Every experiment `dvc exp show` lists, by name: the contents of its metrics files, by path."""
    shown = json.loads(repo.dvc("exp", "show", "--json"))
    return {
        run["name"]: {path: metrics["data"] for path, metrics in run["data"]["metrics"].items()}
        for baseline in shown for experiment in baseline.get("experiments") or [] for run in experiment["revs"]
    }


@pytest.mark.slow
@pytest.mark.scenario
def test_an_experiment_shared_through_origin_and_a_dvc_remote_reaches_a_clone_with_an_empty_cache(repo, tmp_path):
    import soundfile

    # docs/sharing.md: machine A holds the trained repository, origin is a bare git
    # repository and the DVC remote a local folder.
    a, b = repo, Repo(tmp_path / "b")
    a.dvc("remote", "add", "-d", "storage", str(tmp_path / "dvc_remote"))
    a.run("git", "commit", "-qm", "DVC remote", ".dvc/config")
    a.run("git", "clone", "-q", "--bare", ".", str(tmp_path / "origin.git"))
    a.run("git", "remote", "add", "origin", str(tmp_path / "origin.git"))
    a.dvc("exp", "run", "-n", "on-a", "-S", "model.name=cnn_rnn")
    # No `dvc push`: the experiment's push alone must carry its data and models to the DVC remote.
    a.dvc("exp", "push", "origin", "on-a")

    a.run("git", "clone", "-q", str(tmp_path / "origin.git"), str(b.path))
    assert not (b.path / ".dvc/cache").exists()
    b.dvc("exp", "pull", "origin", "on-a")
    assert experiment_metrics(b)["on-a"] == experiment_metrics(a)["on-a"]

    b.dvc("exp", "apply", "on-a")
    assert (b.path / "models/cnn_rnn.keras").read_bytes() == (a.path / "models/cnn_rnn.keras").read_bytes()
    song = np.sin(2 * np.pi * 440.0 * np.arange(5 * 22050) / 22050)  # 5 s: 2 segments
    soundfile.write(tmp_path / "song.wav", 0.3 * song, 22050)
    prediction = b.run(str(BIN / "python"), "-m", "gtzan.predict", str(tmp_path / "song.wav"),
                       "--model", "models/cnn_rnn.keras", "--top", "1")
    genres = b.json("data/prepared/summary.json")["class_names"]
    [(genre, probability)] = top_genres(prediction)
    assert genre in genres and 1 / len(genres) <= probability <= 1, prediction

    # B's own experiment, pushed: A lists both in one `dvc exp show`, B draws both in one `dvc plots diff`.
    b.dvc("exp", "run", "-n", "on-b", "-S", "model.name=cnn_gru")
    b.dvc("exp", "push", "origin", "on-b")
    a.dvc("exp", "pull", "origin")  # every experiment of A's commit
    assert {"on-a", "on-b"} <= set(experiment_metrics(a))
    b.dvc("plots", "diff", "on-a", "on-b", "-o", "diff_html")
    assert_draws_offline(b.path / "diff_html/index.html")
    html = (b.path / "diff_html/index.html").read_text()
    assert "on-a" in html and "on-b" in html and "headline_loss" in html
