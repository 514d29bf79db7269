"""Imported first by every stage script: one clear line when `python` is not the project's environment,
and a faster TensorFlow import.

DVC runs each stage's `python` from PATH. Without the project's virtual environment activated, that
is another interpreter, and the stage would end in `ModuleNotFoundError: No module named 'gtzan'`.

Keras imports scikit-learn, for its scikit-learn wrappers, whenever it is installed (librosa, a dev
dependency, brings it); no stage uses either, and skipping it makes each stage's TensorFlow import
1 to 2 s faster of 6 to 9 s (docs/performance.md).
"""

import importlib.util
import sys

REQUIRED = ("gtzan", "tensorflow", "keras", "dvclive", "yaml")

missing = next((module for module in REQUIRED if importlib.util.find_spec(module) is None), None)
if missing:
    sys.exit(
        f"ERROR: `python` is {sys.executable} (Python {sys.version.split()[0]}), which lacks this project's "
        f"packages (no module named '{missing}'). Use the project's environment: `make install` once, then "
        f"`source .venv/bin/activate` before running dvc (or run .venv/bin/dvc)."
    )

sys.modules.setdefault("sklearn", None)  # `import sklearn` raises ImportError, which Keras takes as "not installed"
