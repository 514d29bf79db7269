"""Stage train@NAME: the prepared data -> the saved model, and its curves and metrics in DVCLive's log.

Interrupted, it resumes from its checkpoint on the next run (see gtzan.checkpoint).
"""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage, seed_param
from gtzan.errors import UserError
from gtzan.prepared import describe_data, load_prepared, load_summary, stamp_training_data
from gtzan.train import TrainingConfig, train_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", help="the architecture: a key of `models:` in params.yaml")
    parser.add_argument("--data", type=Path, required=True, help="the prepared data directory")
    parser.add_argument("--model", type=Path, required=True, help="the .keras file to write")
    parser.add_argument("--live", type=Path, required=True, help="DVCLive's directory: the curves and metrics.json")
    parser.add_argument("--checkpoint", type=Path, required=True,
                        help="the training state after each epoch, to resume from (outside DVC's outputs)")
    args = parser.parse_args()

    params = load_params()
    if args.name not in params["models"]:
        raise UserError(f"params.yaml has no block models.{args.name}; its architectures are {sorted(params['models'])}")
    summary = load_summary(args.data)
    try:
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
            live_dir=args.live,
            checkpoint_path=args.checkpoint,
            data_description=describe_data(summary),
        )
    except BaseException:
        # DVCLive updates metrics.json after every epoch: a failed run must not leave one behind
        (args.live / "metrics.json").unlink(missing_ok=True)
        raise
    stamp_training_data(args.model, summary)
    args.checkpoint.unlink()  # the outputs are complete: nothing left to resume
    print(f"{args.name}: best validation accuracy {metrics['val_accuracy_best']:.3f} at epoch {metrics['best_epoch']}, "
          f"{metrics['seconds_per_epoch']:.1f} s/epoch")


if __name__ == "__main__":
    sys.exit(run_stage(main))
