"""The bad-input corpus: every bad value or damaged file a user has met gets one line naming it,
exit code 1, no traceback, and no output a later stage could take for good.

Each case runs a stage script (or predict) as DVC runs it, in this process to spare a TensorFlow
start-up per case, in a workspace of tiny prepared data; a bug would surface as an exception.
"""

import json
import re
import runpy
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import yaml
from conftest import REPO_ROOT, read_committed_yaml

from gtzan.cli import set_param

TRAIN = ["parallel_cnn", "--data", "data/prepared", "--model", "models/parallel_cnn.keras",
         "--live", "dvclive/parallel_cnn", "--checkpoint", "checkpoints/parallel_cnn.npz"]
TRAIN_OUTPUTS = ["models/parallel_cnn.keras", "dvclive/parallel_cnn/metrics.json"]
EVALUATE = ["models/parallel_cnn.keras", "--data", "data/prepared", "--out", "eval/parallel_cnn",
            "--predictions", "predictions/parallel_cnn"]
EVALUATE_OUTPUTS = ["eval/parallel_cnn", "predictions/parallel_cnn"]
PREPARE = ["data/features/logmel", "data/prepared-new", "--filtered-lists", str(REPO_ROOT / "splits" / "gtzan-fault-filtered")]


@dataclass
class Case:
    script: str  # a stage script, or "predict"
    args: list[str]
    message: str  # the one line, after "ERROR: "; "..." stands for any text
    params: Callable[[dict], None] = lambda params: None
    damage: Callable[[Path], None] = lambda workspace: None
    absent: list[str] = field(default_factory=list)  # outputs that must not exist afterwards


def changing(key: str, value) -> Callable[[dict], None]:
    return lambda params: set_param(params, key, value)


def write(relative: str, content: bytes) -> Callable[[Path], None]:
    def damage(workspace: Path) -> None:
        (workspace / relative).parent.mkdir(parents=True, exist_ok=True)
        (workspace / relative).write_bytes(content)
    return damage


def one_class_download(workspace: Path) -> None:
    (workspace / "data/features/logmel/source.json").write_text(json.dumps({"source": "audio", "class_names": ["jazz"]}))


def save_untrained_model(workspace: Path, relative: str) -> None:
    from gtzan.architectures import build_model
    from gtzan.prepared import load_summary, stamp_training_data

    (workspace / relative).parent.mkdir(parents=True, exist_ok=True)
    build_model("parallel_cnn", (80, 80, 1), 8).save(workspace / relative)
    stamp_training_data(workspace / relative, load_summary(workspace / "data/prepared"))


def matches(line: str, message: str) -> bool:
    return re.match(".*".join(map(re.escape, f"ERROR: {message}".split("..."))), line) is not None


CASES = {
    "seed abc": Case("train.py", TRAIN, "params.yaml seed must be a non-negative integer, got 'abc'",
                     params=changing("seed", "abc"), absent=TRAIN_OUTPUTS),
    "seed -1": Case("download.py", ["data/raw-new"], "params.yaml seed must be a non-negative integer, got -1",
                    params=changing("seed", -1), absent=["data/raw-new"]),
    "songs_per_genre abc": Case(
        "download.py", ["data/raw-new"], "data.synthetic.songs_per_genre must be an integer of at least 2 (one song per split), got 'abc'",
        params=changing("data.synthetic.songs_per_genre", "abc"), absent=["data/raw-new"]),
    "data.split random": Case(
        "prepare.py", PREPARE, "data.split 'random' is unknown; valid values are ['song', 'segment', 'filtered']",
        params=changing("data.split", "random"), absent=["data/prepared-new"]),
    "data.test_fraction 0.9": Case(
        "prepare.py", PREPARE, "data.test_fraction must be a number from 0 to 0.5, got 0.9",
        params=changing("data.test_fraction", 0.9), absent=["data/prepared-new"]),
    "filtered split without the listed clips": Case(
        "prepare.py", PREPARE, "data.split 'filtered': no train clip of blues, ...: the data has none of the clips "
        "train_filtered.txt lists for those genres; add them (the synthetic data has them all at "
        "data.synthetic.songs_per_genre 100), or leave the genre out (data.genres, for an audio folder)",
        params=changing("data.split", "filtered"), absent=["data/prepared-new"]),
    "negative_slope abc": Case(
        "train.py", TRAIN, "params.yaml models.parallel_cnn.architecture.negative_slope must be a number >= 0, got 'abc'",
        params=changing("models.parallel_cnn.architecture", {"negative_slope": "abc"}), absent=TRAIN_OUTPUTS),
    "dropout 1.5": Case(
        "train.py", ["cnn_rnn", *TRAIN[1:]], "params.yaml models.cnn_rnn.architecture.dropout must be a number in [0, 1), got 1.5",
        params=changing("models.cnn_rnn.architecture", {"dropout": 1.5}), absent=TRAIN_OUTPUTS),
    "augment mixup_alpha -0.2": Case(
        "train.py", TRAIN, "params.yaml models.parallel_cnn.augment.mixup_alpha must be a number from 0 (off) to 10, got -0.2",
        params=changing("models.parallel_cnn.augment.mixup_alpha", -0.2), absent=TRAIN_OUTPUTS),
    "augment mask wider than the segment": Case(
        "train.py", TRAIN, "params.yaml models.parallel_cnn.augment.time_mask_width is 100, wider than the segments' ... frames",
        params=changing("models.parallel_cnn.augment", {"time_masks": 1, "time_mask_width": 100}), absent=TRAIN_OUTPUTS),
    "precision half": Case("train.py", TRAIN, "params.yaml train.precision must be one of ['auto', 'float32', 'mixed_bfloat16', 'mixed_float16'], got 'half'",
                           params=changing("train.precision", "half"), absent=TRAIN_OUTPUTS),
    "deterministic yes": Case("train.py", TRAIN, "params.yaml train.deterministic must be true or false, got 'yes'",
                              params=changing("train.deterministic", "yes"), absent=TRAIN_OUTPUTS),
    "learning_rate as a string": Case(
        "train.py", TRAIN, "params.yaml models.parallel_cnn.learning_rate must be a positive float written like 1.0e-3 "
        "(YAML reads 1e-3 as a string), got '1e-3'",
        params=changing("models.parallel_cnn.learning_rate", "1e-3"), absent=TRAIN_OUTPUTS),
    "learning_rate diverges": Case(
        "train.py", TRAIN, "training parallel_cnn diverged: ...loss became nan at epoch 1; "
        "lower models.parallel_cnn.learning_rate (now 1000000.0)",
        params=changing("models.parallel_cnn.learning_rate", 1.0e6), absent=TRAIN_OUTPUTS),
    "unknown architecture": Case(
        "train.py", ["transformer", *TRAIN[1:]], "params.yaml has no block models.transformer; its architectures are [",
        absent=TRAIN_OUTPUTS),
    "no prepared data": Case(
        "train.py", [*TRAIN[:2], "data/nowhere", *TRAIN[3:]],
        "data/nowhere/summary.json not found: run the prepare stage first (dvc repro prepare).", absent=TRAIN_OUTPUTS),
    "corrupt summary.json": Case(
        "train.py", TRAIN, "data/prepared/summary.json is not valid JSON (Expecting value: line 1 column 1 (char 0)): "
        "rerun the prepare stage (dvc repro -f prepare).", damage=write("data/prepared/summary.json", b"not json"),
        absent=TRAIN_OUTPUTS),
    "one genre": Case(
        "prepare.py", PREPARE, "the data has 1 class (jazz): a classifier needs at least 2",
        damage=one_class_download, absent=["data/prepared-new"]),
    "truncated model": Case(
        "evaluate.py", EVALUATE, "models/parallel_cnn.keras (1,000 bytes) cannot be loaded as a keras model",
        damage=write("models/parallel_cnn.keras", b"PK\x03\x04" + b"\0" * 996), absent=EVALUATE_OUTPUTS),
    "model is a directory": Case(
        "evaluate.py", EVALUATE, "models/parallel_cnn.keras is a directory, not a saved keras model (.keras file)",
        damage=lambda workspace: (workspace / "models/parallel_cnn.keras").mkdir(parents=True), absent=EVALUATE_OUTPUTS),
    "no model": Case("evaluate.py", EVALUATE, "model file models/parallel_cnn.keras not found: train it first",
                     absent=EVALUATE_OUTPUTS),
    "audio file is a directory": Case(
        "predict", ["data", "--model", "models/parallel_cnn.keras"], "data is a directory, not an audio file",
        damage=lambda workspace: save_untrained_model(workspace, "models/parallel_cnn.keras")),
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A workspace: the committed params.yaml shrunk, and the tiny synthetic data downloaded and prepared."""
    workspace = tmp_path_factory.mktemp("corpus")
    params = read_committed_yaml("params.yaml")
    params["data"].update(source="synthetic", synthetic={"songs_per_genre": 2})
    params["frontend"]["segments_per_clip"] = 3
    for block in params["models"].values():
        block.update(epochs=1, batch_size=8)
    (workspace / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    stages = [("download.py", ["data/raw"]), ("featurize.py", ["data/raw", "data/features/logmel"]),
              ("prepare.py", [*PREPARE[:1], "data/prepared", *PREPARE[2:]])]
    for script, args in stages:
        result = subprocess.run([sys.executable, REPO_ROOT / "stages" / script, *args], cwd=workspace, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    return workspace


def run_case(case: Case, workspace: Path, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.chdir(workspace)
    monkeypatch.setenv("GTZAN_TF_LOGS", "1")  # leave pytest's stderr alone
    monkeypatch.syspath_prepend(str(REPO_ROOT / "stages"))
    if case.script == "predict":
        from gtzan.predict import main

        code = main(case.args)
    else:
        monkeypatch.setattr(sys, "argv", [case.script, *case.args])
        with pytest.raises(SystemExit) as exit:
            runpy.run_path(str(REPO_ROOT / "stages" / case.script), run_name="__main__")
        code = exit.value.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize("name", CASES)
def test_bad_input_gets_one_line_naming_the_culprit_and_leaves_no_output(name, prepared, tmp_path, monkeypatch, capsys):
    case = CASES[name]
    workspace = tmp_path / "workspace"
    shutil.copytree(prepared, workspace)
    params = yaml.safe_load((workspace / "params.yaml").read_text())
    case.params(params)
    (workspace / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    case.damage(workspace)

    code, stderr = run_case(case, workspace, monkeypatch, capsys)

    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and matches(lines[0], case.message), stderr
    for output in case.absent:
        assert not (workspace / output).exists(), f"{output} was left behind"
    assert not list(workspace.rglob(".*-partial-*")), "no staging folder left behind"


def test_a_python_without_the_project_installed_is_told_how_to_fix_it(tmp_path):
    # -S: the same interpreter without its site-packages, as a `python` outside the venv would be
    result = subprocess.run([sys.executable, "-S", REPO_ROOT / "stages/train.py", *TRAIN], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("ERROR: `python` is ") and "lacks this project's packages (no module named 'gtzan')" in result.stderr
    assert "`source .venv/bin/activate`" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "models").exists()
