"""Stage embed@NAME: a pretrained network's input of every clip + the prepared segments -> one embedding per
segment of each side, in the prepared order (gtzan.transfer)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import load_params, parse_stage_arguments, run_stage
from gtzan.prepared import load_summary
from gtzan.transfer import embed, probe_config

ARGUMENTS = ("network", "--features", "--data", "--out")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)
    config = probe_config(load_params(), args.network)
    summary = load_summary(args.data)
    embed(name=args.network, config=config, features_dir=args.features, prepared_dir=args.data, out_dir=args.out,
          summary=summary)


if __name__ == "__main__":
    sys.exit(run_stage(main))
