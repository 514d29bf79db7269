"""The GPU path in one command (`make gpu-check`): the demo's training, on whatever device TensorFlow
sees, twice over, each run in a fresh process as `dvc repro` runs it. Prints the device, the precision
that train.precision picked there, each architecture's seconds per epoch, and whether the two runs gave
identical metrics (what train.deterministic promises).

    python -m gtzan.gpu_check                                # every architecture, 2 epochs, the demo's data
    python -m gtzan.gpu_check --models cnn_gru --epochs 1 --songs-per-genre 2
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

TIMINGS = {"train_seconds", "first_epoch_seconds", "seconds_per_epoch", "samples_per_second"}


def device_description() -> str:
    import tensorflow as tf

    from gtzan.cpu import Cpu

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        capability = ".".join(map(str, details.get("compute_capability", ())))
        return f"{len(gpus)} x GPU {details.get('device_name', gpus[0].name)} (compute capability {capability})"
    return f"CPU {Cpu.this().model}"


def one_run(name: str, params: dict, data: Path, epochs: int) -> dict:
    """A child process: one training as the train stage runs it, with the device and precision it ran on."""
    import keras

    from gtzan.bench import train_stage_metrics

    metrics = train_stage_metrics(name, params["models"][name], params, data, epochs)
    return {"metrics": metrics, "device": device_description(), "precision": keras.mixed_precision.global_policy().name}


def run_in_fresh_process(name: str, data: Path, epochs: int, params_file: Path) -> dict:
    command = [sys.executable, "-m", "gtzan.gpu_check", "--one", name, "--data", str(data), "--epochs", str(epochs),
               "--params", str(params_file)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"ERROR: training {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def identical(one: dict, two: dict) -> bool:
    """Whether two runs' metrics agree, timings aside."""
    def without_timings(run: dict) -> dict:
        return {key: value for key, value in run["metrics"].items() if key not in TIMINGS}

    return without_timings(one) == without_timings(two)


def report(runs: dict[str, tuple[dict, dict]], epochs: int) -> str:
    first = next(iter(runs.values()))[0]
    rows = [
        f"Device: {first['device']}; precision: {first['precision']}; {epochs} epoch(s) per run, two runs per architecture.",
        "",
        "| architecture | s/epoch, run 1 | s/epoch, run 2 | identical metrics |",
        "|---|---|---|---|",
    ]
    for name, (one, two) in runs.items():
        rows.append(f"| {name} | {one['metrics']['seconds_per_epoch']:.2f} | {two['metrics']['seconds_per_epoch']:.2f} | "
                    f"{'yes' if identical(one, two) else 'NO'} |")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gtzan.gpu_check", description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", help="architectures; default: every one in params.yaml")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per run; default: %(default)s")
    parser.add_argument("--songs-per-genre", type=int, default=20, help="synthetic songs per genre; default: %(default)s, the demo's")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="default: %(default)s")
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)  # a child run's prepared data
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child run
    args = parser.parse_args(argv)

    import gtzan.quiet  # noqa: F401  (drops TensorFlow's start-up lines)
    from gtzan.bench import synthetic_data
    from gtzan.cli import load_params

    params = load_params(args.params)
    if args.one:
        print(json.dumps(one_run(args.one, params, args.data, args.epochs)))
        return 0
    names = args.models or list(params["models"])
    with tempfile.TemporaryDirectory() as scratch:
        data = synthetic_data(params, Path(scratch), songs_per_genre=args.songs_per_genre)
        runs = {}
        for name in names:
            print(f"{name}: two runs of {args.epochs} epoch(s) ...", flush=True)
            runs[name] = (run_in_fresh_process(name, data, args.epochs, args.params),
                          run_in_fresh_process(name, data, args.epochs, args.params))
    text = report(runs, args.epochs)
    print(text)
    return 0 if all(identical(*pair) for pair in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
