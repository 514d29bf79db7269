"""Stage embed@NAME: a pretrained network's input of every clip + the prepared segments -> one embedding per
segment of each side, in the prepared order (gtzan.transfer)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage
from gtzan.prepared import load_summary
from gtzan.transfer import embed, probe_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", help="the pretrained network: an entry of transfer.models in params.yaml")
    parser.add_argument("--features", type=Path, required=True, help="the network's input of every clip (featurize_pretrained)")
    parser.add_argument("--data", type=Path, required=True, help="the prepared data directory")
    parser.add_argument("--out", type=Path, required=True, help="the directory to write <side>.npy into")
    args = parser.parse_args()

    config = probe_config(load_params(), args.name)
    summary = load_summary(args.data)
    embed(name=args.name, config=config, features_dir=args.features, prepared_dir=args.data, out_dir=args.out,
          summary=summary)


if __name__ == "__main__":
    sys.exit(run_stage(main))
