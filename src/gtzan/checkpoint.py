"""Resuming an interrupted train stage from its last completed epoch.

After every epoch the train stage writes one file (atomically: to a temporary name, then renamed):

    state            JSON: the epochs done, their history, the seconds each took, the early-stopping
                     and plateau counters, and the fingerprint of the inputs
    variable_<i>     every variable of the model and its optimizer, in build order
    best_<i>         the best weights early stopping keeps, when it is on

DVC deletes a stage's outputs before running it, so the file lives outside them (dvc.yaml names it,
under checkpoints/, which git ignores); the train stage removes it once its outputs are written.

Keras' BackupAndRestore restores the weights and the optimizer but not the layers' seed-generator
states, so a resumed dropout or augmentation draws other numbers than the uninterrupted run did;
saving every variable makes a resumed run end exactly where an uninterrupted one does.
"""

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import keras
import numpy as np

import gtzan

# The counters that Keras' callbacks reset in on_train_begin and keep between epochs.
CALLBACK_STATE = {
    keras.callbacks.EarlyStopping: ("wait", "best", "best_epoch", "stopped_epoch"),
    keras.callbacks.ReduceLROnPlateau: ("wait", "best", "cooldown_counter"),
}


def fingerprint(*, params: dict, spectrograms: list[np.ndarray]) -> dict:
    """What a checkpoint belongs to: the params, the data, and the code that trains (training_sources())."""
    data = hashlib.sha256()
    for array in spectrograms:
        data.update(np.ascontiguousarray(array).data)
    code = hashlib.sha256()
    for source in training_sources():
        code.update(source.read_bytes())
    return {
        "params": hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16],
        "data": data.hexdigest()[:16],
        "code": code.hexdigest()[:16],
    }


def training_sources() -> list[Path]:
    """The source files of this package that this process has imported by now: in a train stage, the
    modules that train (gtzan.train and what it imports, the architecture's module), not the report's
    or predict's, whose edits leave a resumable run alone."""
    package = Path(gtzan.__file__).parent
    files = {Path(module.__file__) for module in list(sys.modules.values()) if getattr(module, "__file__", None)}
    return sorted(file for file in files if file.is_relative_to(package))


class Checkpoint(keras.callbacks.Callback):
    """Saves the training state at the end of every epoch; restores it into a new run of the same inputs.

    It keeps the whole history (epochs of earlier runs included) and the seconds each epoch took.
    Put it after the callbacks whose state it tracks, so that it saves their state after their epoch's update.
    """

    def __init__(self, path: Path, inputs: dict):
        super().__init__()
        self.path = Path(path)
        self.inputs = inputs
        self.state = {"epoch": 0, "history": {}, "epoch_seconds": [], "stopped": False, "callbacks": {}}
        self._saved = None
        self._stateful = []

    def load(self, name: str) -> bool:
        """Read the checkpoint if there is one for these inputs; discard one of other inputs, with a notice."""
        self.path.with_name(self.path.name + ".partial").unlink(missing_ok=True)
        if not self.path.exists():
            return False
        try:
            saved = np.load(self.path)
            state = json.loads(str(saved["state"]))
        except (OSError, ValueError, KeyError) as error:
            print(f"Discarding the damaged checkpoint {self.path} ({error}); training {name} from epoch 1.", flush=True)
            self.remove()
            return False
        changed = [key for key in self.inputs if state["inputs"].get(key) != self.inputs[key]]
        if changed:
            print(f"Discarding the checkpoint {self.path} (epoch {state['epoch']}): its {' and '.join(changed)} "
                  f"changed since; training {name} from epoch 1.", flush=True)
            self.remove()
            return False
        self.state, self._saved = state, saved
        return True

    @property
    def epoch(self) -> int:
        """The epochs completed so far."""
        return self.state["epoch"]

    @property
    def history(self) -> dict:
        return self.state["history"]

    def restore_variables(self, model: keras.Model) -> None:
        """Put the saved variables back into a freshly compiled model of the same architecture."""
        model.optimizer.build(model.trainable_variables)
        variables = model.variables + model.optimizer.variables
        for index, variable in enumerate(variables):
            variable.assign(self._saved[f"variable_{index}"])

    def track(self, callbacks: list[keras.callbacks.Callback]) -> None:
        """Save and restore the counters of those callbacks that keep state between epochs."""
        self._stateful = [callback for callback in callbacks if type(callback) in CALLBACK_STATE]

    def on_train_begin(self, logs=None):
        # after the other callbacks' on_train_begin, which reset their counters
        for callback in self._stateful:
            for attribute, value in self.state["callbacks"].get(type(callback).__name__, {}).items():
                setattr(callback, attribute, value)
            if isinstance(callback, keras.callbacks.EarlyStopping) and "best_0" in (self._saved or {}):
                callback.best_weights = [self._saved[f"best_{index}"] for index in range(len(callback.model.weights))]

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.state["epoch_seconds"].append(time.perf_counter() - self._epoch_started)
        self.state["epoch"] = epoch + 1
        self.state["stopped"] = bool(self.model.stop_training)
        self.state["inputs"] = self.inputs
        arrays = {f"variable_{index}": variable.numpy()
                  for index, variable in enumerate(self.model.variables + self.model.optimizer.variables)}
        for callback in self._stateful:
            self.state["callbacks"][type(callback).__name__] = {
                attribute: _plain(getattr(callback, attribute)) for attribute in CALLBACK_STATE[type(callback)]
            }
            if getattr(callback, "best_weights", None) is not None:
                arrays.update({f"best_{index}": weights for index, weights in enumerate(callback.best_weights)})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        with partial.open("wb") as file:
            np.savez(file, state=np.array(json.dumps(self.state)), **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def _plain(value):
    """A callback counter as JSON can hold it (Keras keeps some as numpy scalars)."""
    return None if value is None else value.item() if hasattr(value, "item") else value
