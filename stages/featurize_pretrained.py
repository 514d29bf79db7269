"""Stage featurize_pretrained@NAME: RAW_DIR (the decoded audio) -> OUT_DIR, a pretrained network's input of every clip (gtzan.transfer)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import run_stage
from gtzan.transfer import featurize_pretrained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", help="the pretrained network: an entry of transfer.models in params.yaml")
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args()

    featurize_pretrained(name=args.name, raw_dir=args.raw_dir, out_dir=args.out_dir)
    print(f"{args.out_dir}/ is ready.")


if __name__ == "__main__":
    sys.exit(run_stage(main))
