"""Writing a stage's output directory so that it is either complete or absent."""

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def staged_directory(destination: Path) -> Iterator[Path]:
    """Yield an empty staging directory beside destination; on success it replaces destination.

    If the body raises (or the process is interrupted), the staging directory is
    removed and destination is left as it was; staging directories that a killed process
    could not remove are removed by the next call.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{destination.name}-partial-"
    for leftover in destination.parent.glob(f"{prefix}*"):  # left by a run that was killed
        print(f"Removing {leftover}, left by an interrupted run.", flush=True)
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=destination.parent))
    try:
        yield staging
        if destination.exists():
            shutil.rmtree(destination)
        staging.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
