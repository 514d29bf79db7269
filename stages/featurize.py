"""Stage featurize: RAW_DIR (the decoded audio, or the Drive data) -> OUT_DIR, the nine architectures' log-mel segments (gtzan.featurize)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage
from gtzan.featurize import featurize_logmel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args()

    featurize_logmel(raw_dir=args.raw_dir, out_dir=args.out_dir, frontend_settings=load_params()["frontend"])
    print(f"{args.out_dir}/ is ready.")


if __name__ == "__main__":
    sys.exit(run_stage(main))
