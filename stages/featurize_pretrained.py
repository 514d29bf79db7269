"""Stage featurize_pretrained@NAME: RAW_DIR (the decoded audio) -> FEATURES_DIR, a pretrained network's input of every clip (gtzan.transfer)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import parse_stage_arguments, run_stage
from gtzan.transfer import featurize_pretrained

ARGUMENTS = ("network", "raw_dir", "features_dir")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)
    featurize_pretrained(name=args.network, raw_dir=args.raw_dir, out_dir=args.features_dir)
    print(f"{args.features_dir}/ is ready.")


if __name__ == "__main__":
    sys.exit(run_stage(main))
