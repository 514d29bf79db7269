import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]


def read_yaml(name: str) -> dict:
    with (REPO_ROOT / name).open() as file:
        return yaml.safe_load(file)


def read_committed_yaml(name: str) -> dict:
    """The file as committed: `make demo` and `dvc exp run -S` rewrite the workspace's params.yaml."""
    shown = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=REPO_ROOT, capture_output=True, text=True)
    return yaml.safe_load(shown.stdout) if shown.returncode == 0 else read_yaml(name)


@pytest.fixture(autouse=True)
def float32_policy():
    """Training sets Keras' global dtype policy (train.precision); each test starts from float32."""
    yield
    if "keras" in sys.modules:
        sys.modules["keras"].mixed_precision.set_global_policy("float32")


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups
def pytest_collection_modifyitems(items):
    """`make test` spreads the tests over CPU cores with pytest-xdist (--dist loadgroup). Tests that share
    a module- or session-wide fixture share a worker, so that it is made once: a module's tests stay
    together, but the end-to-end DVC tests go by the trained repository they copy."""
    if not items or not items[0].config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.module.__name__ == "test_pipeline":
            group = "trained" if "trained" in item.fixturenames else None
        else:
            group = item.module.__name__
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
