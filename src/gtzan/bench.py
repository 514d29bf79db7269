"""Training speed side by side: the notebook way and this project's train stage, on the same data.

    python -m gtzan.bench                                # parallel_cnn, cnn_rnn, cnn_gru; 4 epochs
    python -m gtzan.bench --models cnn_gru --epochs 3 --out bench.md

For each architecture it trains (a) the notebook way: the spec's model, `model.fit` on NumPy
arrays with Keras' defaults (fp32, no op determinism), batch 128, validation every epoch, written
here apart from the project's training code but for its optimizer table; and (b) through
gtzan.train.train_model with the params.yaml defaults of its `models.<name>` block (epochs set by
--epochs), exactly as the train stage does. Both take the optimizer and learning rate of that block
and params.yaml's seed. Every run is a fresh process, one after the other, so that its peak RSS is
its own. It prints a table and writes it to --out: seconds of the first epoch (which traces the
graph) and the median of the rest, samples per second, the fit's wall time, the speed-up, peak RSS and the final validation accuracy.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT_MODELS = ["parallel_cnn", "cnn_rnn", "cnn_gru"]
NOTEBOOK_BATCH_SIZE = 128


def notebook_run(name: str, block: dict, seed: int, data: Path, epochs: int) -> dict:
    """The plain Keras way, as a notebook would train the spec's model."""
    import keras

    from gtzan.architectures import build_model
    from gtzan.prepared import load_prepared, load_summary
    from gtzan.train import OPTIMIZERS, TrainingConfig

    (x, y), validation = load_prepared(data, "train"), load_prepared(data, "val")
    keras.utils.set_random_seed(seed)
    model = build_model(name, x.shape[1:], load_summary(data)["num_classes"])
    config = TrainingConfig.from_params(name, block)
    optimizer = OPTIMIZERS[config.optimizer](config.learning_rate, config)  # the same optimizer as the train stage's
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    seconds = []
    timer = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seconds.append(-time.perf_counter()),
        on_epoch_end=lambda epoch, logs: seconds.__setitem__(-1, seconds[-1] + time.perf_counter()),
    )
    history = model.fit(x, y, batch_size=NOTEBOOK_BATCH_SIZE, epochs=epochs, validation_data=validation,
                        callbacks=[timer], verbose=0)
    steady = float(np.median(seconds[1:] or seconds))
    return _result(first=seconds[0], steady=steady, fit=sum(seconds), samples_per_second=len(y) / steady,
                   val_accuracy=history.history["val_accuracy"][-1])


def pipeline_run(name: str, block: dict, params: dict, data: Path, epochs: int) -> dict:
    """The train stage's own path, with its defaults."""
    metrics = train_stage_metrics(name, block, params, data, epochs)
    return _result(first=metrics["first_epoch_seconds"], steady=metrics["seconds_per_epoch"], fit=metrics["train_seconds"],
                   samples_per_second=metrics["samples_per_second"], val_accuracy=metrics["eval"]["accuracy"])


def train_stage_metrics(name: str, block: dict, params: dict, data: Path, epochs: int) -> dict:
    """The metrics of gtzan.train.train_model, run as the train stage runs it, outputs in a scratch folder."""
    from gtzan.prepared import load_prepared, load_summary
    from gtzan.train import TrainingConfig, train_model

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        metrics = train_model(
            name=name,
            config=TrainingConfig.from_params(name, {**block, "epochs": epochs}),
            train_data=load_prepared(data, "train"),
            val_data=load_prepared(data, "val"),
            num_classes=load_summary(data)["num_classes"],
            seed=params["seed"],
            deterministic=params["train"]["deterministic"],
            precision=params["train"]["precision"],
            steps_per_execution=params["train"]["steps_per_execution"],
            model_path=scratch / "model.keras",
            live_dir=scratch / "dvclive",
            checkpoint_path=scratch / "checkpoint.npz",
        )
    return metrics


def _result(*, first: float, steady: float, fit: float, samples_per_second: float, val_accuracy: float) -> dict:
    return {
        "first_epoch_seconds": round(first, 2),
        "seconds_per_epoch": round(steady, 3),
        "samples_per_second": round(samples_per_second),
        "fit_seconds": round(fit, 2),
        "val_accuracy": round(float(val_accuracy), 4),
        "peak_rss_gib": round(peak_rss_kib() / 1024**2, 2),
    }


def synthetic_data(params: dict, directory: Path, songs_per_genre: int = 100) -> Path:
    """The prepared synthetic data, made once under directory: by default at full size (100 songs per
    genre: 9,600 training and 2,400 validation segments, as many as GTZAN's)."""
    from gtzan.download import fetch_raw_data
    from gtzan.prepare import prepare_data

    prepared = directory / "prepared"
    if not prepared.exists():
        print(f"Rendering the synthetic data ({songs_per_genre} songs per genre) into {prepared} (once) ...", flush=True)
        fetch_raw_data(source="synthetic", destination=directory / "raw", seed=params["seed"], songs_per_genre=songs_per_genre,
                       frontend_settings=params["frontend"], genres=None, split="song")
        prepare_data(raw_dir=directory / "raw", out_dir=prepared, num_classes=params["data"]["num_classes"])
    return prepared


def peak_rss_kib() -> int:
    """This process's peak resident memory: Linux's VmHWM (ru_maxrss would include the parent's
    peak from before the fork), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_in_fresh_process(way: str, name: str, data: Path, epochs: int, params_file: Path, overrides: list[str]) -> dict:
    command = [sys.executable, "-m", "gtzan.bench", "--one", way, "--models", name, "--data", str(data),
               "--epochs", str(epochs), "--params", str(params_file), *(f"--set={item}" for item in overrides)]
    print(f"{name}: training the {way} way for {count(epochs, 'epoch')} ...", flush=True)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"ERROR: the {way} run of {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def count(number: int, noun: str) -> str:
    """'1 epoch', '4 epochs'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def table(results: dict[str, dict[str, dict]], epochs: int, overrides: list[str], planned: dict[str, int]) -> str:
    """The table, and what a run of the planned epochs (params.yaml's) would take: the first epoch
    plus the others at the steady rate."""
    rows = [
        f"{count(epochs, 'epoch')} each; seconds per epoch: the median after the first; speed-up: notebook fit time / train stage fit time;"
        f" planned: the estimated time of params.yaml's epochs."
        + (f" Train stage params: {', '.join(overrides)}." if overrides else ""),
        "",
        "| architecture | way | first epoch s | s/epoch | samples/s | fit s | speed-up | peak RSS GiB | val accuracy | planned |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    totals = {"notebook": 0.0, "pipeline": 0.0}
    for name, ways in results.items():
        speed_up = ways["notebook"]["fit_seconds"] / ways["pipeline"]["fit_seconds"]
        for way, label in (("notebook", "notebook"), ("pipeline", "train stage")):
            result = ways[way]
            estimate = result["first_epoch_seconds"] + (planned[name] - 1) * result["seconds_per_epoch"]
            totals[way] += estimate
            rows.append(
                f"| {name} | {label} | {result['first_epoch_seconds']:.1f} | {result['seconds_per_epoch']:.2f} | "
                f"{result['samples_per_second']:,} | {result['fit_seconds']:.1f} | "
                f"{f'{speed_up:.2f}x' if way == 'pipeline' else ''} | {result['peak_rss_gib']:.2f} | {result['val_accuracy']:.3f} | "
                f"{count(planned[name], 'epoch')}: {duration(estimate)} |"
            )
    rows += ["", f"All of these at their planned epochs: {duration(totals['pipeline'])} by the train stage, "
                 f"{duration(totals['notebook'])} the notebook way (training alone)."]
    return "\n".join(rows) + "\n"


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 90 * 60 else f"{seconds / 3600:.1f} h"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gtzan.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS, help="architectures; default: %(default)s")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run; default: %(default)s")
    parser.add_argument("--data", type=Path, default=Path("data/prepared"),
                        help="prepared data; default: %(default)s, else (as with bench/prepared) the full-size "
                             "synthetic data, rendered once into bench/prepared")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="default: %(default)s")
    parser.add_argument("--out", type=Path, default=Path("bench.md"), help="the table's file; default: %(default)s")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a param for the train stage's runs, as dvc's -S does: --set train.precision=float32")
    parser.add_argument("--one", choices=["notebook", "pipeline"], help=argparse.SUPPRESS)  # a child run
    args = parser.parse_args(argv)

    import gtzan.quiet  # noqa: F401  (drops TensorFlow's start-up lines)
    import yaml

    from gtzan.cli import load_params, set_param

    params = load_params(args.params)
    for override in args.set:
        key, _, value = override.partition("=")
        set_param(params, key, yaml.safe_load(value))
    if args.one:
        name = args.models[0]
        block = params["models"][name]
        if args.one == "notebook":
            result = notebook_run(name, block, params["seed"], args.data, args.epochs)
        else:
            result = pipeline_run(name, block, params, args.data, args.epochs)
        print(json.dumps(result))
        return 0
    if not args.data.exists() and args.data in (Path("data/prepared"), Path("bench/prepared")):
        args.data = synthetic_data(params, Path("bench"))
    results = {
        name: {way: run_in_fresh_process(way, name, args.data, args.epochs, args.params, args.set)
               for way in ("notebook", "pipeline")}
        for name in args.models
    }
    text = table(results, args.epochs, args.set, {name: params['models'][name]['epochs'] for name in args.models})
    print(text)
    args.out.write_text(text)
    print(f"Written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
