"""The DVC pipeline end to end, in a temporary copy of the repository, on tiny synthetic data."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import REPO_ROOT, read_yaml

BIN = Path(sys.executable).parent


def test_every_architecture_has_its_stage_params_and_charts():
    params, pipeline = read_yaml("params.yaml"), read_yaml("dvc.yaml")
    from gtzan.models import MODEL_BUILDERS

    assert set(params["models"]) == set(MODEL_BUILDERS)
    assert params["model"]["name"] in params["models"]
    plots = {name: spec for entry in pipeline["plots"] for name, spec in entry.items()}
    for name in params["models"]:
        for metric in ("loss", "accuracy"):
            files = plots[f"{name} {metric}"]["y"]
            assert files == {
                f"dvclive/{name}/plots/metrics/train/{metric}.tsv": metric,
                f"dvclive/{name}/plots/metrics/eval/{metric}.tsv": metric,
            }
        assert plots[f"{name} confusion"] == {
            "template": "confusion", "x": "actual", "y": {f"eval/{name}/predictions.csv": "predicted"}
        }
    assert plots["headline loss"]["y"] == {"plots/headline/curves.csv": ["train_loss", "val_loss"]}
    assert plots["headline confusion"]["y"] == {"plots/headline/predictions.csv": "predicted"}


def test_dvc_plots_pages_use_the_inlined_vega_that_dvc_render_expects():
    from dvc_render.vega import VegaRenderer

    config = (REPO_ROOT / ".dvc/config").read_text()
    assert "html_template = ../vendor/vega/template.html" in config
    template = (REPO_ROOT / "vendor/vega/template.html").read_text()
    wanted = re.findall(r"npm/([a-z-]+@[\d.]+)", VegaRenderer.SCRIPTS)
    assert len(wanted) == 3, VegaRenderer.SCRIPTS
    for library in wanted:
        assert f'data-library="{library}"' in template, f"{library} changed: run python vendor/vega/build.py"
    assert template.count("{plot_divs}") == 1 and "{scripts}" not in template


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
    skip = ("data/", "models/", "metrics/", "dvclive/", "plots/", "dvc.lock")
    for name in filter(None, listed):
        if name.startswith(skip) or not (REPO_ROOT / name).exists():
            continue
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, destination / name)


class Repo:
    def __init__(self, path: Path):
        self.path = path
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
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


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("pipeline") / "repo")
    repo.path.mkdir()
    copy_repository(repo.path)
    repo.edit_params(shrink)
    repo.run("git", "init", "-q")
    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "tiny configuration")
    return repo


@pytest.mark.slow
def test_dvc_repro_end_to_end(repo):
    params = read_yaml("params.yaml")
    names = list(params["models"])
    output = repo.dvc("repro")
    stages = ["download", "prepare", *(f"train@{name}" for name in names), *(f"evaluate@{name}" for name in names)]
    for stage in [*stages, "report"]:
        assert f"Running stage '{stage}'" in output

    summary = repo.json("data/prepared/summary.json")
    assert summary["counts"]["train"]["total"] == 8 * 4 * 3 and summary["counts"]["val"]["total"] == 8 * 1 * 3
    assert summary["source"]["source"] == "synthetic"
    for name in names:
        metrics = repo.json(f"metrics/{name}.json")
        assert metrics["epochs"] == 1 and 0.0 <= metrics["val_accuracy_best"] <= 1.0
        assert 0.0 <= metrics["val_song_accuracy"] <= 1.0, "the synthetic data carries song ids"
        assert (repo.path / f"models/{name}.keras").stat().st_size > 0
        assert (repo.path / f"plots/curves/{name}.png").read_bytes().startswith(b"\x89PNG")
        assert (repo.path / f"dvclive/{name}/plots/metrics/eval/accuracy.tsv").exists()
        scores = repo.json(f"eval/{name}/scores.json")
        assert set(scores["per_genre"]) == set(summary["class_names"]) and len(summary["class_names"]) == 8
        assert sum(genre["support"] for genre in scores["per_genre"].values()) == 24
    headline = repo.json("plots/headline/metrics.json")
    assert headline["model"] == params["model"]["name"]
    report = (repo.path / "plots/report.md").read_text()
    assert all(f"| {name} |" in report or f"| **{name}** |" in report for name in names)
    assert (repo.path / "plots/report.html").read_text().count("data:image/png;base64,") == len(names) + 2
    for path in ["data/raw", "data/prepared", *(f"models/{name}.keras" for name in names)]:
        repo.run("git", "check-ignore", "-q", path)  # data and models go to the DVC cache, not git

    # Nothing changed: nothing runs.
    assert "Running stage" not in repo.dvc("repro")
    assert json.loads(repo.dvc("status", "--json")) == {}

    # One architecture's hyperparameters changed: only its stage (and the report) rerun.
    edited, untouched = names[0], names[1:]
    repo.edit_params(lambda p: p["models"][edited].update(batch_size=16))
    output = repo.dvc("repro")
    assert f"Running stage 'train@{edited}'" in output and f"Running stage 'evaluate@{edited}'" in output
    assert not any(f"Running stage 'train@{name}'" in output for name in untouched)
    assert not any(f"Running stage 'evaluate@{name}'" in output for name in untouched)
    assert "Running stage 'prepare'" not in output and "Running stage 'download'" not in output

    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "trained")
    repo.dvc("plots", "show", "-o", "plots_html")
    assert_draws_offline(repo.path / "plots_html/index.html")


@pytest.mark.slow
def test_experiments_on_model_name_retrain_nothing_and_diff(repo):
    if not (repo.path / "dvc.lock").exists():
        pytest.skip("needs test_dvc_repro_end_to_end to have run")
    names = list(read_yaml("params.yaml")["models"])
    experiments = {}
    for name in names[:2]:
        output = repo.dvc("exp", "run", "-n", f"study-{name}", "-S", f"model.name={name}")
        assert "Running stage 'train@" not in output, "changing model.name retrains nothing"
        assert repo.json("plots/headline/metrics.json")["model"] == name
        experiments[name] = f"study-{name}"

    shown = json.loads(repo.dvc("exp", "show", "--json"))
    assert "study-" in json.dumps(shown)

    repo.dvc("plots", "diff", *experiments.values(), "-o", "diff_html")
    assert_draws_offline(repo.path / "diff_html/index.html")
    html = (repo.path / "diff_html/index.html").read_text()
    assert all(name in html for name in experiments.values())
    assert "headline confusion" in html and "headline loss" in html


@pytest.mark.slow
def test_a_queued_sweep_runs_and_compares(repo):
    if not (repo.path / "dvc.lock").exists():
        pytest.skip("needs test_dvc_repro_end_to_end to have run")
    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "before the sweep")
    name = read_yaml("params.yaml")["model"]["name"]
    rates = ["5.0e-3", "2.0e-2"]
    for rate in rates:
        repo.dvc("exp", "run", "--queue", "-n", f"lr-{rate}", "-S", f"models.{name}.learning_rate={rate}")
    repo.dvc("queue", "start", "--jobs", "1")
    deadline = time.monotonic() + 600
    while "Queued" in (status := repo.dvc("queue", "status")) or "Running" in status:
        assert time.monotonic() < deadline, f"the queue did not finish:\n{status}"
        time.sleep(2)
    assert status.count("Success") >= len(rates), status

    shown = json.loads(repo.dvc("exp", "show", "--json"))
    for rate in rates:
        assert f"lr-{rate}" in json.dumps(shown)
    repo.dvc("plots", "diff", *(f"lr-{rate}" for rate in rates), "-o", "sweep_html")
    assert (repo.path / "sweep_html/index.html").exists()


def shrink_to_audio(folder: Path, genres: list[str], architecture: str):
    """The real configuration on an audio folder: 3 segments per clip, one architecture, one epoch."""

    def change(params: dict) -> None:
        shrink(params)
        params["data"].update(source=str(folder), genres=genres, num_classes=len(genres), split="song")
        params["models"] = {architecture: params["models"][architecture]}
        params["model"]["name"] = architecture

    return change


@pytest.mark.slow
def test_dvc_repro_on_an_audio_folder_then_the_segment_split(tmp_path):
    from gtzan.synthetic import write_audio_folder

    folder = write_audio_folder(tmp_path / "audio", songs_per_genre=5, seed=7, seconds=6.5)
    (folder / "jazz/broken.wav").write_bytes(b"RIFF, but not audio")
    genres, architecture = ["metal", "classical", "jazz"], "parallel_cnn"
    repo = Repo(tmp_path / "repo")
    repo.path.mkdir()
    copy_repository(repo.path)
    repo.edit_params(shrink_to_audio(folder, genres, architecture))
    repo.run("git", "init", "-q")
    repo.run("git", "add", "-A")
    repo.run("git", "commit", "-qm", "audio configuration")

    output = repo.dvc("repro")
    assert "skipped jazz/broken.wav" in output
    summary = repo.json("data/prepared/summary.json")
    assert summary["source"]["source"] == "audio" and summary["source"]["split"] == "song"
    assert summary["class_names"] == genres and summary["song_ids"]
    assert summary["counts"]["train"]["total"] == 3 * 4 * 3 and summary["counts"]["val"]["total"] == 3 * 1 * 3
    train_songs = np.load(repo.path / "data/prepared/train/song_ids.npy")
    val_songs = np.load(repo.path / "data/prepared/val/song_ids.npy")
    assert not set(train_songs) & set(val_songs), "no song on both sides of the split"
    metrics = repo.json(f"metrics/{architecture}.json")
    assert 0.0 <= metrics["val_song_accuracy"] <= 1.0
    assert "val_song_accuracy" in repo.json("plots/headline/metrics.json")
    assert set(repo.json(f"eval/{architecture}/scores.json")["per_genre"]) == set(genres)

    prediction = repo.run(
        str(BIN / "python"), "-m", "gtzan.predict", str(folder / "metal/metal.00002.wav"),
        "--model", f"models/{architecture}.keras", "--top", "3", "--segments",
    )
    assert sum(genre in prediction for genre in genres) == 3, prediction

    # The Drive data's protocol, as an experiment: only the data changes, songs straddle the split.
    output = repo.dvc("exp", "run", "-n", "segment-split", "-S", "data.split=segment")
    assert "Running stage 'download'" in output
    train_songs = np.load(repo.path / "data/prepared/train/song_ids.npy")
    val_songs = np.load(repo.path / "data/prepared/val/song_ids.npy")
    assert set(train_songs) & set(val_songs) and len(set(train_songs) | set(val_songs)) == 15
    assert "segment-split" in repo.dvc("exp", "show", "--no-pager", "--csv")
