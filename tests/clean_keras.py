"""Load saved models the way a user without this project does: plain keras.models.load_model in a new
interpreter whose path has no src/ (so `import gtzan` fails there)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import REPO_ROOT

SCRIPT = """
import importlib.util, json, sys
from pathlib import Path
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(sys.argv[1]).resolve()]
assert importlib.util.find_spec("gtzan") is None, "gtzan is importable"
import keras, numpy as np
segments = np.load(sys.argv[2])
classes = {}
for path in sys.argv[4:]:
    model = keras.models.load_model(path)
    np.save(Path(sys.argv[3]) / (Path(path).stem + ".npy"), model.predict(segments, batch_size=256, verbose=0))  # as evaluate predicts
    classes[Path(path).stem] = sorted({type(layer).__module__.split(".")[0] for layer in model._flatten_layers()})
print(json.dumps(classes))
"""


def load_without_this_project(paths: list[Path], segments: np.ndarray, workdir: Path) -> tuple[dict, dict]:
    """({stem: probabilities}, {stem: top-level packages of its layer classes}) from a clean interpreter."""
    paths = [Path(path).resolve() for path in paths]
    np.save(workdir / "segments.npy", segments)
    loaded = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(REPO_ROOT / "src"), str(workdir / "segments.npy"), str(workdir), *map(str, paths)],
        cwd=workdir, capture_output=True, text=True,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    packages = json.loads(loaded.stdout.strip().splitlines()[-1])
    return {path.stem: np.load(workdir / f"{path.stem}.npy") for path in paths}, packages
