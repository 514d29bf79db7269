"""Training speed side by side: the notebook way and this project's train stage, on the same data.

    python -m gtzan.bench                                # parallel_cnn, cnn_rnn, cnn_gru; 4 epochs
    python -m gtzan.bench --models cnn_gru --epochs 3 --out bench.md

For each architecture it trains (a) the notebook way: the spec's model, `model.fit` on NumPy
arrays with Keras' defaults (fp32, no op determinism) and TensorFlow's own choice of CPU kernels
(oneDNN's or Eigen's), batch 128, validation every epoch, written
here apart from the project's training code but for its optimizer table; and (b) through
gtzan.train.train_model with the params.yaml defaults of its `models.<name>` block (epochs set by
--epochs), exactly as the train stage does. Both take the optimizer and learning rate of that block
and params.yaml's seed. Every run is a fresh process, one after the other, so that its peak RSS is
its own. It prints a table and writes it to --out: the kernels and precision each way ran, seconds
of the first epoch (which traces the graph) and the median of the rest, samples per second, the
achieved GFLOP/s (and its share of the CPU's nominal peak), the fit's wall time, the speed-up, peak
RSS and the final validation accuracy; above it, the CPU, its instruction sets and the one oneDNN
ran with (ONEDNN_MAX_CPU_ISA=AVX2 makes an AVX-512 CPU run an AVX2 one's kernels).

An AVX2 CPU, emulated on an AVX-512 one, as TensorFlow alone runs it (Eigen's kernels) and as this
project does (oneDNN's):

    TF_ENABLE_ONEDNN_OPTS=0 python -m gtzan.bench --set train.precision=float32
    ONEDNN_MAX_CPU_ISA=AVX2 python -m gtzan.bench
"""

import argparse
import json
import math
import os
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
                   val_accuracy=history.history["val_accuracy"][-1], flops=training_flops_per_sample(model))


def pipeline_run(name: str, block: dict, params: dict, data: Path, epochs: int) -> dict:
    """The train stage's own path, with its defaults."""
    from gtzan.architectures import build_model
    from gtzan.prepared import load_summary

    metrics = train_stage_metrics(name, block, params, data, epochs)
    model = build_model(name, np.load(data / "val" / "spectrograms.npy", mmap_mode="r").shape[1:],
                        load_summary(data)["num_classes"], hyperparameters=block.get("architecture") or {})
    return _result(first=metrics["first_epoch_seconds"], steady=metrics["seconds_per_epoch"], fit=metrics["train_seconds"],
                   samples_per_second=metrics["samples_per_second"], val_accuracy=metrics["eval"]["accuracy"],
                   flops=training_flops_per_sample(model))


def train_stage_metrics(name: str, block: dict, params: dict, data: Path, epochs: int) -> dict:
    """The metrics of the train stage (gtzan.train.run_training) for `block` trained `epochs` epochs, outputs in a
    scratch folder."""
    with tempfile.TemporaryDirectory() as scratch:
        return train_in_scratch(name, with_block(params, name, {**block, "epochs": epochs}), data, Path(scratch))


def train_in_scratch(name: str, params: dict, data: Path, scratch: Path) -> dict:
    """gtzan.train.run_training as the train stage runs it, on the prepared data in data, its outputs under scratch
    (scratch / "model.keras", "dvclive", "checkpoint.npz"); its metrics."""
    from gtzan.train import run_training

    return run_training(name, params=params, data_dir=data, model_path=scratch / "model.keras", live_dir=scratch / "dvclive",
                        checkpoint_path=scratch / "checkpoint.npz")


def with_block(params: dict, name: str, block: dict) -> dict:
    """params, models.<name> replaced by block."""
    return {**params, "models": {**params["models"], name: block}}


def _result(*, first: float, steady: float, fit: float, samples_per_second: float, val_accuracy: float, flops: float) -> dict:
    import keras
    from tensorflow.python.util import _pywrap_util_port

    return {
        "precision": keras.mixed_precision.global_policy().name,
        "kernels": "oneDNN" if _pywrap_util_port.IsMklEnabled() else "Eigen",
        "gflops_per_second": round(samples_per_second * flops / 1e9, 1),
        "first_epoch_seconds": round(first, 2),
        "seconds_per_epoch": round(steady, 3),
        "samples_per_second": round(samples_per_second),
        "fit_seconds": round(fit, 2),
        "val_accuracy": round(float(val_accuracy), 4),
        "peak_rss_gib": round(peak_rss_kib() / 1024**2, 2),
    }


def training_flops_per_sample(model) -> float:
    """The floating-point operations of one training step per sample: 3 x the forward pass's (the
    backward pass costs about twice the forward one), counting the multiply-adds of convolutions,
    dense and recurrent layers, which carry nearly all of them."""
    return 3.0 * forward_flops(model)


def forward_flops(layer) -> float:
    """2 x the multiply-adds of one sample's forward pass through layer (a model: through all its layers)."""
    from keras import layers

    if hasattr(layer, "layers"):  # a model, or a model inside one (ResNet-50's backbone)
        return sum(forward_flops(inner) for inner in layer.layers)
    if isinstance(layer, layers.Conv2D):
        kernel_height, kernel_width, inputs, outputs = layer.kernel.shape
        _, height, width, _ = layer.output.shape
        return 2.0 * height * width * kernel_height * kernel_width * inputs * outputs
    if isinstance(layer, layers.Dense):
        inputs, outputs = layer.kernel.shape
        return 2.0 * math.prod(layer.input.shape[1:-1]) * inputs * outputs
    recurrent = [layer.forward_layer, layer.backward_layer] if isinstance(layer, layers.Bidirectional) else [layer]
    if all(isinstance(cell, (layers.LSTM, layers.GRU)) for cell in recurrent):
        steps, features = layer.input.shape[1:]
        return sum(2.0 * steps * (4 if isinstance(cell, layers.LSTM) else 3) * cell.units * (features + cell.units)
                   for cell in recurrent)
    return 0.0


def notebook_environment() -> dict[str, str]:
    """The environment a notebook runs in: TensorFlow's own choice of CPU kernels (oneDNN's only on CPUs
    with AVX512-VNNI, AVX512-BF16, AVX-VNNI or AMX), not this project's default, unless the user set one."""
    import gtzan
    from gtzan.cpu import Cpu

    environment = dict(os.environ)
    if gtzan.ONEDNN_SET_BY_USER:
        return environment
    return {**environment, "TF_ENABLE_ONEDNN_OPTS": "1" if Cpu.this().tensorflow_enables_onednn else "0"}


def synthetic_data(params: dict, directory: Path, songs_per_genre: int = 100) -> Path:
    """The prepared synthetic data, made once under directory: by default at full size (100 songs per
    genre: 9,600 training and 2,400 validation segments, as many as GTZAN's)."""
    from gtzan.download import fetch_raw_data
    from gtzan.featurize import featurize_logmel
    from gtzan.prepare import prepare_data

    prepared = directory / "prepared"
    if not prepared.exists():
        print(f"Rendering the synthetic data ({songs_per_genre} songs per genre) into {prepared} (once) ...", flush=True)
        fetch_raw_data(source="synthetic", destination=directory / "raw", seed=params["seed"], songs_per_genre=songs_per_genre,
                       sample_rate=params["frontend"]["sample_rate"], genres=None)
        featurize_logmel(raw_dir=directory / "raw", out_dir=directory / "logmel", frontend_settings=params["frontend"])
        prepare_data(features_dir=directory / "logmel", out_dir=prepared, num_classes=params["data"]["num_classes"], protocol="song",
                     seed=params["seed"])
    return prepared


def musicnn_speed(windows: int = 256, runs: int = 3) -> str:
    """musicnn's embedding speed, as the embed stage runs it (gtzan.transfer, float32), in windows per second:
    the median of `runs` passes over `windows` windows of synthetic music, after one pass to warm up."""
    import keras

    from gtzan.musicnn import MusicnnInput, log_mel
    from gtzan.synthetic import render_song
    from gtzan.transfer import ProbeConfig, embedding_model, file_windows, predict_in_batches

    keras.mixed_precision.set_global_policy("float32")
    settings = MusicnnInput()
    audio = render_song(0, np.random.default_rng(0), settings.sample_rate, 30 * settings.sample_rate)
    started = time.perf_counter()
    log_mel(audio, settings)
    log_mel_seconds = time.perf_counter() - started
    clip_windows = file_windows(audio, segments=15, segment_seconds=2.0, length=settings.patch_frames)  # (15, 187, 96)
    batch = np.resize(clip_windows, (windows, *clip_windows.shape[1:]))
    model = embedding_model(ProbeConfig())
    predict_in_batches(model, batch[:64])
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        predict_in_batches(model, batch)
        seconds.append(time.perf_counter() - started)
    speed = windows / float(np.median(seconds))
    gtzan_minutes = 1000 * 15 / speed / 60
    return (f"musicnn (MSD_musicnn, float32), as the embed stage runs it: {speed:.1f} windows of 3 s per second "
            f"(median of {runs} passes over {windows}); GTZAN's 1,000 clips (15,000 windows) in about "
            f"{gtzan_minutes:.1f} min; its input representation of a 30 s clip in {1000 * log_mel_seconds:.0f} ms.")


def peak_rss_kib() -> int:
    """This process's peak resident memory: Linux's VmHWM (ru_maxrss would include the parent's
    peak from before the fork), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_in_fresh_process(way: str, name: str, data: Path, epochs: int, params_file: Path, overrides: list[str],
                         environment: dict[str, str]) -> dict:
    command = [sys.executable, "-m", "gtzan.bench", "--one", way, "--models", name, "--data", str(data),
               "--epochs", str(epochs), "--params", str(params_file), *(f"--set={item}" for item in overrides)]
    print(f"{name}: training the {way} way for {count(epochs, 'epoch')} ...", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        sys.exit(f"ERROR: the {way} run of {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def count(number: int, noun: str) -> str:
    """'1 epoch', '4 epochs'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def table(results: dict[str, dict[str, dict]], epochs: int, overrides: list[str], planned: dict[str, int],
          cpu: tuple[str, float | None]) -> str:
    """The table, and what a run of the planned epochs (params.yaml's) would take: the first epoch
    plus the others at the steady rate."""
    description, peak = cpu
    rows = [
        f"CPU: {description}" + (f"; nominal float32 peak {peak:,.0f} GFLOP/s." if peak else "."),
        "",
        f"{count(epochs, 'epoch')} each; seconds per epoch: the median after the first; speed-up: notebook fit time / train stage fit time;"
        f" GFLOP/s: samples/s x 3 x the forward pass's FLOPs (convolutions, dense and recurrent layers);"
        f" planned: the estimated time of params.yaml's epochs."
        + (f" Train stage params: {', '.join(overrides)}." if overrides else ""),
        "",
        "| architecture | way | kernels, precision | first epoch s | s/epoch | samples/s | GFLOP/s | fit s | speed-up | peak RSS GiB | val accuracy | planned |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    totals = {"notebook": 0.0, "pipeline": 0.0}
    for name, ways in results.items():
        speed_up = ways["notebook"]["fit_seconds"] / ways["pipeline"]["fit_seconds"]
        for way, label in (("notebook", "notebook"), ("pipeline", "train stage")):
            result = ways[way]
            estimate = result["first_epoch_seconds"] + (planned[name] - 1) * result["seconds_per_epoch"]
            totals[way] += estimate
            share = f" ({result['gflops_per_second'] / peak:.0%})" if peak else ""
            rows.append(
                f"| {name} | {label} | {result['kernels']}, {result['precision']} | {result['first_epoch_seconds']:.1f} | {result['seconds_per_epoch']:.2f} | "
                f"{result['samples_per_second']:,} | {result['gflops_per_second']:,.1f}{share} | {result['fit_seconds']:.1f} | "
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
    parser.add_argument("--musicnn-windows", type=int, default=256,
                        help="windows to time musicnn's embedding on (0: skip it); default: %(default)s")
    parser.add_argument("--one", choices=["notebook", "pipeline"], help=argparse.SUPPRESS)  # a child run
    args = parser.parse_args(argv)

    import gtzan.quiet  # noqa: F401  (drops TensorFlow's start-up lines)
    import yaml

    from gtzan.cli import load_params, set_param
    from gtzan.cpu import Cpu

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
    environments = {"notebook": notebook_environment(), "pipeline": dict(os.environ)}
    results = {
        name: {way: run_in_fresh_process(way, name, args.data, args.epochs, args.params, args.set, environments[way])
               for way in ("notebook", "pipeline")}
        for name in args.models
    }
    text = table(results, args.epochs, args.set, {name: params['models'][name]['epochs'] for name in args.models},
                 Cpu.this().describe())
    if args.musicnn_windows:
        text += "\n" + musicnn_speed(args.musicnn_windows) + "\n"
    print(text)
    args.out.write_text(text)
    print(f"Written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
