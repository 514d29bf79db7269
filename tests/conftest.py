from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]


def read_yaml(name: str) -> dict:
    with (REPO_ROOT / name).open() as file:
        return yaml.safe_load(file)
