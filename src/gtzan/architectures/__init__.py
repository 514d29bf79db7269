"""The architectures under study, one module each: `gtzan/architectures/<name>.py` defines
`build_<name>(input_shape, num_classes, **hyperparameters)`, which returns an uncompiled, named
functional keras.Model taking one standardized log-mel segment (time, mel, channel), by default
(80, 80, 1), and giving softmax probabilities over `num_classes` genres.

The module's name is the architecture's name: the key of its block under `models:` in params.yaml
and of its train@<name> stage, whose deps list `src/gtzan/architectures/<name>.py`. Adding an
architecture is adding a module and a params block; nothing else retrains. Hyperparameters are the
builder's keyword-only arguments with defaults; params.yaml overrides them through `build_model`.
The softmax layer takes dtype="float32", so that under mixed precision (train.precision) the
probabilities and the loss are computed in float32.
Compilation and training live in gtzan.train.
"""

import importlib
import inspect
import numbers
import pkgutil
from collections.abc import Callable

import keras

from gtzan.errors import UserError, is_integer

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


def check_hyperparameters(name: str, hyperparameters) -> None:
    """UserError naming the first hyperparameter that the architecture `name` does not accept as given."""
    build = builder(name)
    if not isinstance(hyperparameters, dict):
        raise UserError(f"params.yaml models.{name}.architecture must be a mapping of the builder's hyperparameters, got {hyperparameters!r}")
    accepted = hyperparameter_names(name)
    unknown = sorted(set(hyperparameters) - set(accepted))
    if unknown:
        raise UserError(f"unknown hyperparameters {unknown} for architecture '{name}'; accepted hyperparameters are {accepted}")
    defaults = {key: parameter.default for key, parameter in inspect.signature(build).parameters.items()}
    for key, value in hyperparameters.items():
        _check_hyperparameter(f"params.yaml models.{name}.architecture.{key}", key, value, defaults[key])


def build_model(name: str, input_shape, num_classes: int, hyperparameters: dict | None = None) -> keras.Model:
    """Build the architecture `name` with `hyperparameters` overriding its defaults."""
    hyperparameters = {} if hyperparameters is None else hyperparameters
    check_hyperparameters(name, hyperparameters)
    input_shape = _checked_input_shape(input_shape)
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    return builder(name)(input_shape, num_classes, **hyperparameters)


def _check_hyperparameter(where: str, key: str, value, default) -> None:
    """UserError naming the hyperparameter unless value has its default's type and a sensible range:
    integers and sequences of them >= 1, numbers >= 0, dropout below 1 and `*_factor` at most 1,
    and a None default (a seed) takes null or an integer >= 0."""
    def is_number(item) -> bool:
        return isinstance(item, numbers.Real) and not isinstance(item, bool)

    if default is None:
        valid, expected = value is None or (is_integer(value) and value >= 0), "null or an integer >= 0"
    elif isinstance(default, (tuple, list)):
        valid = isinstance(value, (tuple, list)) and len(value) > 0 and all(is_integer(item) and item >= 1 for item in value)
        expected = "a list of integers >= 1, like " + str(list(default))
    elif is_integer(default):
        valid, expected = is_integer(value) and value >= 1, "an integer >= 1"
    elif key == "dropout":
        valid, expected = is_number(value) and 0 <= value < 1, "a number in [0, 1)"
    elif key.endswith("_factor"):
        valid, expected = is_number(value) and 0 <= value <= 1, "a number in [0, 1]"
    else:
        valid, expected = is_number(value) and value >= 0, "a number >= 0"
    if not valid:
        raise UserError(f"{where} must be {expected}, got {value!r}")


def _checked_input_shape(input_shape) -> tuple[int, int, int]:
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if shape is None or len(shape) != 3 or not all(
        is_integer(size) and size > 0 for size in shape
    ):
        raise ValueError(f"input_shape must be three positive integers (time, mel, channels), got {input_shape!r}")
    return tuple(int(size) for size in shape)
