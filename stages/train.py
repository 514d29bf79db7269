"""Stage train@NAME: the prepared data -> the saved model, its metrics, curves and DVCLive log.

Interrupted, it resumes from its checkpoint on the next run (see gtzan.checkpoint).
"""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage, seed_param
from gtzan.errors import UserError
from gtzan.prepared import load_prepared, load_summary, stamp_training_data
from gtzan.train import TrainingConfig, train_model, write_metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", help="the architecture: a key of `models:` in params.yaml")
    parser.add_argument("--data", type=Path, required=True, help="the prepared data directory")
    parser.add_argument("--model", type=Path, required=True, help="the .keras file to write")
    parser.add_argument("--metrics", type=Path, required=True, help="the metrics JSON file to write")
    parser.add_argument("--curves", type=Path, required=True, help="the directory of curve files to write")
    parser.add_argument("--live", type=Path, required=True, help="DVCLive's directory")
    parser.add_argument("--checkpoint", type=Path, required=True,
                        help="the training state after each epoch, to resume from (outside DVC's outputs)")
    args = parser.parse_args()

    params = load_params()
    if args.name not in params["models"]:
        raise UserError(f"params.yaml has no block models.{args.name}; its architectures are {sorted(params['models'])}")
    summary = load_summary(args.data)
    metrics = train_model(
        name=args.name,
        config=TrainingConfig.from_params(args.name, params["models"][args.name]),
        train_data=load_prepared(args.data, "train"),
        val_data=load_prepared(args.data, "val"),
        num_classes=summary["num_classes"],
        seed=seed_param(params),
        deterministic=params["train"]["deterministic"],
        precision=params["train"]["precision"],
        steps_per_execution=params["train"]["steps_per_execution"],
        model_path=args.model,
        curves_dir=args.curves,
        live_dir=args.live,
        checkpoint_path=args.checkpoint,
    )
    stamp_training_data(args.model, summary)
    write_metrics(metrics, args.metrics)
    args.checkpoint.unlink()  # the outputs are complete: nothing left to resume
    print(f"{args.name}: best validation accuracy {metrics['val_accuracy_best']:.3f} at epoch {metrics['best_epoch']}, "
          f"{metrics['seconds_per_epoch']:.1f} s/epoch")


if __name__ == "__main__":
    sys.exit(run_stage(main))
