"""The ensemble: the mean of several saved models' class probabilities, scored like one architecture.

Nothing is retrained. Every evaluate stage writes its model's probabilities on each scored side into its
predictions files (gtzan.predictions); the ensemble stage averages its members', side by side, and
scores the mean as evaluate scores a model. It also writes a manifest naming the member models, which predict takes
in place of a .keras file:

    {"members": {"cnn_gru": "cnn_gru.keras", ...}}   model paths relative to the manifest
"""

import json
from pathlib import Path

import numpy as np

from gtzan.errors import UserError
from gtzan.evaluate import Side
from gtzan.predictions import read_predictions


def resolve_members(configured: list | None, architectures: list[str]) -> list[str]:
    """params.yaml's ensemble.members, checked against the run's models (gtzan.cli.model_names); null: all of them."""
    if configured is None:
        return list(architectures)
    if not isinstance(configured, list) or not configured:
        raise UserError(f"params.yaml ensemble.members must be null (every architecture) or a list of architecture names, got {configured!r}")
    for name in configured:
        if name not in architectures:
            raise UserError(f"params.yaml ensemble.members: '{name}' is not a model of this run (models: and transfer.models); valid names are {architectures}")
    if len(set(configured)) != len(configured):
        raise UserError(f"params.yaml ensemble.members names an architecture twice: {configured}")
    return list(configured)


def mean_probabilities(paths: list[Path]) -> tuple[Side, list[str]]:
    """The members' probabilities on one side (predictions files, gtzan.predictions) averaged segment by
    segment, with the actual classes and song ids they are scored against, and the class names."""
    members = [read_predictions(path) for path in paths]
    first = members[0]
    for path, member in zip(paths[1:], members[1:]):
        same_items = np.array_equal(member.actual, first.actual) and np.array_equal(member.song_ids, first.song_ids)
        if not same_items or member.class_names != first.class_names:
            raise UserError(
                f"{path} and {paths[0]} are not predictions of the same segments and genres: "
                "the models come from different runs; rerun their evaluate stages (dvc repro)"
            )
    mean = np.mean([member.probabilities for member in members], axis=0)  # (n, classes)
    return Side(first.actual, mean, first.song_ids), first.class_names


def write_manifest(path: Path, members: list[str]) -> None:
    """The manifest of an ensemble whose member models lie beside it, as <name>.keras."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"members": {name: f"{name}.keras" for name in members}}, indent=2) + "\n")


def member_models(manifest_path: Path) -> list[Path]:
    """The model files an ensemble manifest names, or a UserError saying why it cannot be read."""
    manifest_path = Path(manifest_path)
    if not manifest_path.is_file():
        raise UserError(f"ensemble manifest {manifest_path} not found: run the ensemble stage first (dvc repro ensemble)")
    try:
        members = json.loads(manifest_path.read_text())["members"]
        paths = [manifest_path.parent / model for model in members.values()]
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
        raise UserError(f"{manifest_path} is not an ensemble manifest written by the ensemble stage ({error!r})") from error
    if not paths:
        raise UserError(f"{manifest_path} names no member models")
    return paths
