"""Stage prepare: FEATURES_DIR (the log-mel features) -> PREPARED_DIR (validated, split by data.split, standardized, canonical arrays)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import load_params, parse_stage_arguments, run_stage, seed_param
from gtzan.prepare import prepare_data
from gtzan.splits import describe_missing

ARGUMENTS = ("features_dir", "prepared_dir", "--filtered-lists")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)

    params = load_params()
    summary = prepare_data(
        features_dir=args.features_dir,
        out_dir=args.prepared_dir,
        num_classes=params["data"]["num_classes"],
        protocol=params["data"]["split"],
        test_fraction=params["data"]["test_fraction"],
        seed=seed_param(params),
        lists_dir=args.filtered_lists,
    )
    counts = ", ".join(f"{side} {count['total']:,}" for side, count in summary["counts"].items())
    if missing := describe_missing(summary["protocol"]):
        print(missing)
    print(f"{args.prepared_dir}/ is ready: {summary['protocol']['description']}; {counts} segments.")


if __name__ == "__main__":
    sys.exit(run_stage(main))
