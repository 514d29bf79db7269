"""What every stage script shares: reading params.yaml and turning errors into messages."""

import argparse
import sys
from pathlib import Path
from typing import Callable

import yaml

PARAMS_FILE = Path("params.yaml")


class UserError(Exception):
    """A problem the user can fix (bad data, bad params, no network): printed without a traceback."""


def load_params(path: Path = PARAMS_FILE) -> dict:
    if not path.exists():
        raise UserError(f"{path} not found: run the stages from the repository root.")
    with path.open() as file:
        return yaml.safe_load(file)


def architecture_argument(description: str) -> str:
    """The --model NAME argument of the per-architecture stages (train@NAME, evaluate@NAME)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", required=True, help="an architecture name, a key of `models:` in params.yaml")
    return parser.parse_args().model


def run_stage(main: Callable[[], None]) -> int:
    """Run a stage's main(); a UserError or ValueError becomes a short message and exit code 1."""
    try:
        main()
    except (UserError, ValueError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    return 0
