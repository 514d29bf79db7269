"""Stage train@NAME: the prepared data -> the saved model, and its curves and metrics in DVCLive's log.

Interrupted, it resumes from its checkpoint on the next run (see gtzan.checkpoint).
"""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import load_params, parse_stage_arguments, run_stage
from gtzan.train import run_training

ARGUMENTS = ("architecture", "--data", "--model", "--live", "--checkpoint")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)
    run_training(args.architecture, params=load_params(), data_dir=args.data, model_path=args.model, live_dir=args.live,
                 checkpoint_path=args.checkpoint)


if __name__ == "__main__":
    sys.exit(run_stage(main))
