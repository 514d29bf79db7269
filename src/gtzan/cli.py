"""What every stage script shares: its command line, reading params.yaml and turning a UserError into one line."""

import argparse
import sys
from pathlib import Path
from typing import Callable

import yaml

from gtzan.errors import UserError, check_integer

PARAMS_FILE = Path("params.yaml")

# The stages' command-line arguments, one meaning each: dvc.yaml's `cmd` passes every path a stage reads or
# writes. A stage lists those it takes in its ARGUMENTS (tests/test_dvc_yaml.py parses every `cmd` with them);
# every --option is required, and all but the names of a model are paths.
STAGE_ARGUMENTS = {
    "architecture": "the architecture: a key of `models:` in params.yaml",
    "network": "the pretrained network: an entry of transfer.models in params.yaml",
    "raw_dir": "the downloaded data: the Drive data's train/ and val/, or the decoded audio/ (source.json says which)",
    "features_dir": "the features of every clip: the log-mel segments, or a pretrained network's own input",
    "prepared_dir": "the prepared data: validated, split by data.split, standardized",
    "model": "the saved .keras model: one segment (or a pretrained network's window) in, genre probabilities out",
    "--data": "the prepared data directory",
    "--filtered-lists": "the fault-filtered split's clip lists (data.split filtered)",
    "--features": "a pretrained network's input of every clip (featurize_pretrained)",
    "--embeddings": "one embedding per prepared segment: <side>.npy (embed)",
    "--model": "the .keras file to write",
    "--live": "the model's DVCLive directory: its curves and metrics.json",
    "--checkpoint": "the training state after each epoch, to resume from (outside DVC's outputs)",
    "--out": "the directory to write the stage's results into",
    "--predictions": "the directory for each side's predictions CSV",
    "--manifest": "the ensemble's manifest to write, beside the member models",
    "--all-live": "the directory of every model's DVCLive directory",
    "--all-eval": "the directory of every model's evaluation (evaluate's --out)",
    "--all-predictions": "the directory of every model's predictions directory",
    "--ensemble": "the ensemble stage's directory of metrics.json and scores.json",
    "--ensemble-predictions": "the ensemble stage's predictions directory",
}
MODEL_NAMES = {"architecture", "network"}


def parse_stage_arguments(description: str, names: tuple[str, ...], argv: list[str] | None = None) -> argparse.Namespace:
    """A stage's command line (sys.argv, or argv): the STAGE_ARGUMENTS `names`, in order."""
    parser = argparse.ArgumentParser(description=description)
    for name in names:
        options = {"required": True} if name.startswith("--") else {}
        parser.add_argument(name, help=STAGE_ARGUMENTS[name], type=str if name in MODEL_NAMES else Path, **options)
    return parser.parse_args(argv)


def load_params(path: Path = PARAMS_FILE) -> dict:
    if not path.exists():
        raise UserError(f"{path} not found: run the stages from the repository root.")
    with path.open() as file:
        return yaml.safe_load(file)


def seed_param(params: dict) -> int:
    """params.yaml's `seed`, checked: a non-negative integer."""
    return check_integer("params.yaml seed", params.get("seed"), minimum=0)


def model_names(params: dict) -> list[str]:
    """Every model of the run: the architectures of models:, then the pretrained networks' probes of transfer.models."""
    transfer = params.get("transfer") or {}
    probes = transfer.get("models") or []
    if not isinstance(probes, list) or not all(name in transfer for name in probes):
        raise UserError(f"params.yaml transfer.models must list pretrained networks that have a block under transfer:, "
                        f"got {probes!r}; the blocks are {sorted(set(transfer) - {'models'})}")
    return [*params["models"], *probes]


def set_param(params: dict, key: str, value) -> None:
    """Set the dotted key ("models.cnn_gru.epochs") of params, as `dvc exp run -S key=value` does."""
    *parents, last = key.split(".")
    block = params
    for parent in parents:
        block = block[parent]
    block[last] = value


def run_stage(main: Callable[[], None]) -> int:
    """Run a stage's main(): a UserError becomes one line on stderr and exit code 1, Ctrl-C one line
    and exit code 130 (the shell's for SIGINT).

    Any other exception is a bug (ours or a library's) and propagates with its traceback.
    """
    try:
        main()
    except UserError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as interruption:
        print(f"Interrupted: {interruption}" if str(interruption) else "Interrupted.", file=sys.stderr)
        return 130
    return 0
