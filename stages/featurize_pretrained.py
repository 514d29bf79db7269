"""Stage featurize_pretrained@NAME: RAW_DIR (the decoded audio) -> OUT_DIR, a pretrained network's input of every clip (gtzan.transfer)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import parse_stage_arguments, run_stage
from gtzan.transfer import featurize_pretrained


def main() -> None:
    args = parse_stage_arguments(__doc__, "name", "raw_dir", "features_dir")
    featurize_pretrained(name=args.name, raw_dir=args.raw_dir, out_dir=args.features_dir)
    print(f"{args.features_dir}/ is ready.")


if __name__ == "__main__":
    sys.exit(run_stage(main))
