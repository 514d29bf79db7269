"""Stage train@NAME: the prepared data -> the saved model, and its curves and metrics in DVCLive's log.

Interrupted, it resumes from its checkpoint on the next run (see gtzan.checkpoint).
"""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage
from gtzan.train import run_training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", help="the architecture: a key of `models:` in params.yaml")
    parser.add_argument("--data", type=Path, required=True, help="the prepared data directory")
    parser.add_argument("--model", type=Path, required=True, help="the .keras file to write")
    parser.add_argument("--live", type=Path, required=True, help="DVCLive's directory: the curves and metrics.json")
    parser.add_argument("--checkpoint", type=Path, required=True,
                        help="the training state after each epoch, to resume from (outside DVC's outputs)")
    args = parser.parse_args()
    run_training(args.name, params=load_params(), data_dir=args.data, model_path=args.model, live_dir=args.live,
                 checkpoint_path=args.checkpoint)


if __name__ == "__main__":
    sys.exit(run_stage(main))
