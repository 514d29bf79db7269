import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import gtzan  # noqa: F401  (before any test imports TensorFlow: the project's oneDNN default, as in its stages)

REPO_ROOT = Path(__file__).resolve().parents[1]


def read_yaml(name: str) -> dict:
    with (REPO_ROOT / name).open() as file:
        return yaml.safe_load(file)


def read_committed_yaml(name: str) -> dict:
    """The file as committed: `make demo` and `dvc exp run -S` rewrite the workspace's params.yaml."""
    shown = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=REPO_ROOT, capture_output=True, text=True)
    return yaml.safe_load(shown.stdout) if shown.returncode == 0 else read_yaml(name)


def fake_segments(count: int, seed: int = 0, *, num_classes: int = 8, learnable: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """count random (80, 80, 1) float32 segments and their int64 labels, cycling over num_classes.
    learnable: a class-dependent offset in the lowest 10 mel bands, so a model learns something in a few steps."""
    labels = np.arange(count) % num_classes
    spectrograms = np.random.default_rng(seed).normal(size=(count, 80, 80, 1)).astype(np.float32)
    if learnable:
        spectrograms[:, :, :10, 0] += labels[:, None, None] * 0.5
    return spectrograms, labels.astype(np.int64)


def write_prepared(directory: Path, counts: dict[str, int], num_classes: int = 8) -> Path:
    """A prepared-data directory as the prepare stage leaves it, of fake segments, with a minimal summary.json."""
    for seed, (split, count) in enumerate(counts.items()):
        (directory / split).mkdir(parents=True)
        spectrograms, labels = fake_segments(count, seed, num_classes=num_classes)
        np.save(directory / split / "spectrograms.npy", spectrograms)
        np.save(directory / split / "labels.npy", labels.astype(np.int32))
    summary = {"num_classes": num_classes, "counts": {split: {"total": count} for split, count in counts.items()}}
    (directory / "summary.json").write_text(json.dumps(summary))
    return directory


def load_audio_dataset(root: Path, genres: list[str] | None, frontend):
    """An audio folder as download and featurize make it: decode_audio_folder, then segment_clips; skipped lists
    the files of both steps."""
    import dataclasses

    from gtzan.audio import decode_audio_folder
    from gtzan.featurize import segment_clips

    decoded = decode_audio_folder(root, genres, frontend.sample_rate)
    dataset = segment_clips(decoded.clips, decoded.labels, decoded.names, decoded.genres, frontend)
    return dataclasses.replace(dataset, skipped=decoded.skipped + dataset.skipped)


def sine(frequency: float, seconds: float, sample_rate: int, amplitude: float = 0.5) -> np.ndarray:
    """(samples,) float32."""
    t = np.arange(int(round(seconds * sample_rate))) / sample_rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


@pytest.fixture(autouse=True)
def float32_policy():
    """Training sets Keras' global dtype policy (train.precision); each test starts from float32."""
    yield
    if "keras" in sys.modules:
        sys.modules["keras"].mixed_precision.set_global_policy("float32")


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups
def pytest_collection_modifyitems(items):
    """`make test` spreads the tests over CPU cores with pytest-xdist (--dist loadgroup, in this order). A
    module's tests share a worker, so that its module-wide fixtures are made once. The end-to-end DVC tests
    go one by one, so that every core takes some: first those that train their own repository, then the
    first that copies the trained repository, which makes it (the `trained` fixture, made once for all
    workers) while the other workers go through the other modules, then the rest of them. (Deselection by
    -m comes after this hook: the first copy among the scenarios and among the others both go early.)"""
    if not items or not items[0].config.pluginmanager.hasplugin("xdist"):
        return
    first_copy = {}  # the first among the scenarios and the first among the others
    for item in items:
        if "trained" in item.fixturenames:
            first_copy.setdefault(item.get_closest_marker("scenario") is not None, item)
    first_copies = set(first_copy.values())

    def turn(item) -> int:
        if item.module.__name__ != "test_pipeline":
            return 2
        return 0 if "trained" not in item.fixturenames else 1 if item in first_copies else 3

    items.sort(key=turn)
    for item in items:
        if item.module.__name__ != "test_pipeline":
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def save_split(path: Path, spectrograms: np.ndarray, labels: np.ndarray, song_ids: np.ndarray | None = None) -> None:
    """Write one split the way the Drive data was written, with each element's song id if known."""
    import tensorflow as tf

    elements = (spectrograms, labels) if song_ids is None else (spectrograms, labels, song_ids)
    tf.data.Dataset.from_tensor_slices(elements).save(str(path))
