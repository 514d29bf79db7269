"""The locked environment: uv.lock agrees with pyproject.toml, and the venv that `make install` builds
holds exactly the lock's packages for this platform and Python."""

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from conftest import REPO_ROOT
from packaging.markers import Marker
from packaging.utils import canonicalize_name

UV = Path(sys.executable).parent / "uv"  # the venv's, at the version pyproject.toml pins


def check_lock(project: Path) -> subprocess.CompletedProcess:
    """`uv lock --check` offline: fails when the lock no longer satisfies pyproject.toml."""
    return subprocess.run([str(UV), "lock", "--check", "--offline", "--project", str(project)], capture_output=True, text=True)


def test_the_lock_agrees_with_pyproject():
    checked = check_lock(REPO_ROOT)
    assert checked.returncode == 0, f"pyproject.toml and uv.lock disagree: run `make lock`\n{checked.stderr}"


def test_the_lock_check_fails_when_a_pin_changes(tmp_path):
    shutil.copy(REPO_ROOT / "uv.lock", tmp_path)
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert '"pyyaml==6.0.3"' in pyproject
    (tmp_path / "pyproject.toml").write_text(pyproject.replace('"pyyaml==6.0.3"', '"pyyaml==6.0.2"'))
    assert check_lock(tmp_path).returncode != 0


def locked_for_this_platform(extras: list[str]) -> dict[str, str]:
    """{package: version} that uv.lock installs here with these extras (uv export, markers evaluated)."""
    exported = subprocess.run(
        [str(UV), "export", "--frozen", "--no-hashes", "--no-header", "--no-emit-project", "--project", str(REPO_ROOT),
         *[argument for extra in extras for argument in ("--extra", extra)]],
        capture_output=True, text=True, check=True,
    ).stdout
    locked = {}
    for line in exported.splitlines():
        requirement, _, marker = line.partition(";")
        if "==" not in requirement or (marker.strip() and not Marker(marker.strip()).evaluate()):
            continue
        name, version = requirement.strip().split("==")
        locked[canonicalize_name(name.split("[")[0])] = version
    return locked


def test_the_environment_is_the_lock_for_this_platform():
    installed = {canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}
    installed.pop("gtzan")  # the project itself, installed editable
    tensorflow_build = "gpu" if "tensorflow" in installed and sys.platform == "linux" else "cpu"
    optional = {"s3", "gs", "azure", "ssh"}  # make install EXTRAS=...: present or not, each at its locked version
    locked = locked_for_this_platform(["dev", tensorflow_build, *optional])
    required = locked_for_this_platform(["dev", tensorflow_build])
    assert {name: version for name, version in installed.items() if locked.get(name) != version} == {}
    assert sorted(set(required) - set(installed)) == []


def test_tests_of_one_xdist_group_run_on_one_worker(tmp_path):
    """`make test` relies on --dist=loadgroup to make each module's module-wide fixtures once (conftest.py)."""
    (tmp_path / "test_grouped.py").write_text(
        "import pytest\n\n"
        + "".join(f"@pytest.mark.xdist_group('test_grouped')\ndef test_{index}():\n    pass\n\n\n" for index in range(4))
    )
    ran = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-n", "2", "--dist=loadgroup", "-c", "/dev/null",
                          "--rootdir", str(tmp_path), str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    workers = {line.split()[0] for line in ran.stdout.splitlines() if line.startswith("[gw") and "PASSED" in line}
    assert ran.returncode == 0 and len(workers) == 1, ran.stdout[-2000:]


def make_install_without_a_venv(tmp_path, path: str, *variables: str) -> subprocess.CompletedProcess:
    """`make install` in a copy of the Makefile that has no .venv yet, with PATH set to path."""
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy(REPO_ROOT / name, tmp_path)
    make = shutil.which("make")
    return subprocess.run([make, "install", *variables], cwd=tmp_path, capture_output=True, text=True, env={"PATH": path})


def test_make_says_which_python_to_install_when_there_is_none(tmp_path):
    (tmp_path / "bin").mkdir()
    for tool in ("sh", "sed", "test"):
        (tmp_path / "bin" / tool).symlink_to(shutil.which(tool))
    done = make_install_without_a_venv(tmp_path, str(tmp_path / "bin"))
    assert done.returncode != 0 and not (tmp_path / ".venv").exists()
    assert "make: no python3.13, python3.12 or python3.11 on PATH: install one of them" in done.stderr


def test_make_says_what_to_install_for_a_python_without_venv(tmp_path):
    without_venv = tmp_path / "python3.12"
    without_venv.write_text("#!/bin/sh\nexit 1\n")  # fails `import ensurepip, venv`, as Debian's python3.12 without python3.12-venv
    without_venv.chmod(0o755)
    done = make_install_without_a_venv(tmp_path, os.environ["PATH"], f"PYTHON={without_venv}")
    assert done.returncode != 0 and not (tmp_path / ".venv").exists()
    assert "cannot create a virtual environment: install its venv module (Debian, Ubuntu: sudo apt install python3.12-venv)" in done.stderr
