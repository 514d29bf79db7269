"""Stage featurize: RAW_DIR (the decoded audio, or the Drive data) -> FEATURES_DIR, the nine architectures' log-mel segments (gtzan.featurize)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import load_params, parse_stage_arguments, run_stage
from gtzan.featurize import featurize_logmel

ARGUMENTS = ("raw_dir", "features_dir")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)
    featurize_logmel(raw_dir=args.raw_dir, out_dir=args.features_dir, frontend_settings=load_params()["frontend"])
    print(f"{args.features_dir}/ is ready.")


if __name__ == "__main__":
    sys.exit(run_stage(main))
