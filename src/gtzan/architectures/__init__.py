"""The architectures under study, one module each: `gtzan/architectures/<name>.py` defines
`build_<name>(input_shape, num_classes, **hyperparameters)`, which returns an uncompiled, named
functional keras.Model taking one standardized log-mel segment (time, mel, channel), by default
(80, 80, 1), and giving softmax probabilities over `num_classes` genres.

The module's name is the architecture's name: the key of its block under `models:` in params.yaml
and of its train@<name> stage, whose deps list `src/gtzan/architectures/<name>.py`. Adding an
architecture is adding a module and a params block; nothing else retrains. Hyperparameters are the
builder's keyword-only arguments with defaults; params.yaml overrides them through `build_model`.
Compilation and training live in gtzan.train.
"""

import importlib
import inspect
import numbers
import pkgutil
from collections.abc import Callable

import keras

from gtzan.errors import UserError

DEFAULT_INPUT_SHAPE = (80, 80, 1)
SHARED_MODULES = {"blocks"}  # modules of this package that are not architectures


def architecture_names() -> list[str]:
    """Every architecture of this package, sorted."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__) if module.name not in SHARED_MODULES)


def builder(name: str) -> Callable[..., keras.Model]:
    """The build_<name> function of gtzan/architectures/<name>.py; UserError listing the valid names."""
    if name not in architecture_names():
        raise UserError(f"unknown architecture '{name}'; valid names are {architecture_names()}")
    return getattr(importlib.import_module(f"{__name__}.{name}"), f"build_{name}")


def hyperparameter_names(name: str) -> list[str]:
    """The keyword arguments that params.yaml may set for the architecture `name`."""
    parameters = inspect.signature(builder(name)).parameters
    return [key for key, parameter in parameters.items() if parameter.kind is inspect.Parameter.KEYWORD_ONLY]


def build_model(name: str, input_shape, num_classes: int, hyperparameters: dict | None = None) -> keras.Model:
    """Build the architecture `name` with `hyperparameters` overriding its defaults."""
    build = builder(name)
    hyperparameters = {} if hyperparameters is None else hyperparameters
    if not isinstance(hyperparameters, dict):
        raise UserError(f"hyperparameters of '{name}' must be a mapping, got {hyperparameters!r}")
    accepted = hyperparameter_names(name)
    unknown = sorted(set(hyperparameters) - set(accepted))
    if unknown:
        raise UserError(f"unknown hyperparameters {unknown} for architecture '{name}'; accepted hyperparameters are {accepted}")
    input_shape = _checked_input_shape(input_shape)
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    return build(input_shape, num_classes, **hyperparameters)


def _checked_input_shape(input_shape) -> tuple[int, int, int]:
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if shape is None or len(shape) != 3 or not all(
        isinstance(size, numbers.Integral) and not isinstance(size, bool) and size > 0 for size in shape
    ):
        raise ValueError(f"input_shape must be three positive integers (time, mel, channels), got {input_shape!r}")
    return tuple(int(size) for size in shape)
