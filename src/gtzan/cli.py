"""What every stage script shares: reading params.yaml and turning a UserError into one line."""

import sys
from pathlib import Path
from typing import Callable

import yaml

from gtzan.errors import UserError, check_integer

PARAMS_FILE = Path("params.yaml")


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
