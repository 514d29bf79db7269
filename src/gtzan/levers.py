"""What the levers against overfitting (gtzan.augment) do: each alone, then together, against none, over seeds.

    python -m gtzan.levers --models parallel_cnn --epochs 15 --out levers_parallel_cnn.md
    python -m gtzan.levers --models cnn_gru --epochs 8 --seeds 1 2 3 --data data/prepared

Each architecture trains once per configuration and seed through gtzan.train.train_model, as its train stage
does (its params.yaml block, epochs set by --epochs, `seed` set per run; the data stays the same). The table
gives, per configuration, the saved model's validation accuracy with its 95 % interval for each seed, their
mean and spread (largest minus smallest), the paired difference from no augmentation on the same songs for
each seed with its verdict (gtzan.compare, as the report gives them), and the last epoch's training accuracy.
Without --data, the full-size synthetic data is rendered once into bench/ (as `make bench` does).
"""

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path("bench/prepared")
CONFIGURATIONS = {
    "none": {},
    "masks": {"time_masks": 2, "time_mask_width": 8, "freq_masks": 2, "freq_mask_width": 8},
    "mixup": {"mixup_alpha": 0.2},
    "label smoothing": {"label_smoothing": 0.1},
}
CONFIGURATIONS["all three"] = {key: value for levers in CONFIGURATIONS.values() for key, value in levers.items()}


def train_once(name: str, block: dict, params: dict, data: Path, *, seed: int) -> dict:
    """One training as the train stage runs it: its metrics and which validation segments the saved model gets right."""
    import keras

    from gtzan.bench import train_in_scratch, with_block
    from gtzan.evaluate import predict_probabilities
    from gtzan.prepared import load_prepared

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        metrics = train_in_scratch(name, {**with_block(params, name, block), "seed": seed}, data, scratch)
        model = keras.models.load_model(scratch / "model.keras")
        spectrograms, labels = load_prepared(data, "val")
        correct = predict_probabilities(model, spectrograms).argmax(axis=1) == labels
    keras.backend.clear_session()
    return {"metrics": metrics, "correct": correct}


def study(name: str, params: dict, data: Path, *, epochs: int, seeds: list[int]) -> dict[str, list[dict]]:
    block = {**params["models"][name], "epochs": epochs}
    runs = {}
    for configuration, levers in CONFIGURATIONS.items():
        runs[configuration] = []
        for seed in seeds:
            print(f"{name}, {configuration}, seed {seed}: training {epochs} epochs ...", flush=True)
            runs[configuration].append(train_once(name, {**block, "augment": levers}, params, data, seed=seed))
    return runs


def table(name: str, runs: dict[str, list[dict]], song_ids: np.ndarray | None, *, seeds: list[int], bootstrap_seed: int) -> str:
    from gtzan import compare
    from gtzan.augment import Augmentation

    def points(value: float) -> str:
        return f"{value * 100:+.1f}"

    lines = [
        f"| {name} | levers | " + " | ".join(f"val acc, seed {seed} [95 % CI]" for seed in seeds)
        + " | mean (spread) | vs none, per seed: points [95 % CI] | train acc, last epoch |",
        "|---|---|" + "---|" * len(seeds) + "---|---|---|",
    ]
    for configuration, results in runs.items():
        estimates = [compare.accuracy(run["correct"], song_ids, seed=bootstrap_seed) for run in results]
        accuracies = [estimate.value for estimate in estimates]
        differences = [compare.difference(run["correct"], baseline["correct"], song_ids, seed=bootstrap_seed)
                       for run, baseline in zip(results, runs["none"])]
        versus = "—" if configuration == "none" else "; ".join(
            f"{points(d.value)} [{points(d.low)}, {points(d.high)}] {compare.verdict(d).replace(' on this split', '')}"
            for d in differences)
        train_accuracy = np.mean([run["metrics"]["train"]["accuracy"] for run in results])
        lines.append(
            f"| {configuration} | {Augmentation(**CONFIGURATIONS[configuration]).describe()} | "
            + " | ".join(f"{e.value:.1%} [{e.low:.1%}, {e.high:.1%}]" for e in estimates)
            + f" | {np.mean(accuracies):.1%} ({(max(accuracies) - min(accuracies)) * 100:.1f} points) | {versus} | {train_accuracy:.1%} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gtzan.levers", description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["parallel_cnn", "cnn_gru"], help="architectures; default: %(default)s")
    parser.add_argument("--epochs", type=int, required=True, help="epochs per run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="training seeds; default: %(default)s")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="prepared data; default: the full-size synthetic data, rendered once into %(default)s")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="default: %(default)s")
    parser.add_argument("--out", type=Path, default=Path("levers.md"), help="the tables' file; default: %(default)s")
    args = parser.parse_args(argv)

    import gtzan.quiet  # noqa: F401  (drops TensorFlow's start-up lines)
    from gtzan.bench import synthetic_data
    from gtzan.cli import load_params
    from gtzan.cpu import Cpu
    from gtzan.prepared import describe_data, load_song_ids, load_summary

    params = load_params(args.params)
    if args.data == DEFAULT_DATA:
        synthetic_data(params, DEFAULT_DATA.parent)  # renders it unless it is there
    if not args.data.is_dir():
        raise SystemExit(f"ERROR: {args.data} not found: give --data a prepared data directory (dvc repro prepare writes data/prepared)")
    cpu, _ = Cpu.this().describe()
    text = [f"Data: {describe_data(load_summary(args.data))}. {args.epochs} epochs per run, on {cpu}.", ""]
    for name in args.models:
        runs = study(name, params, args.data, epochs=args.epochs, seeds=args.seeds)
        text += [table(name, runs, load_song_ids(args.data, "val"), seeds=args.seeds, bootstrap_seed=params["seed"]), ""]
        args.out.write_text("\n".join(text))
    print("\n".join(text))
    print(f"Written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
