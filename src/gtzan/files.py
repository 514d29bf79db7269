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
    removed and destination is left as it was.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-partial-", dir=destination.parent))
    try:
        yield staging
        if destination.exists():
            shutil.rmtree(destination)
        staging.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
