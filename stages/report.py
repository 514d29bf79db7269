"""Stage report: every architecture's metrics, curves, scores and predictions -> the report and the headline files."""

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage
from gtzan.report import write_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("metrics", "curves", "eval", "predictions"):
        parser.add_argument(f"--{name}", type=Path, required=True, help=f"the directory of every architecture's {name}")
    parser.add_argument("--out", type=Path, required=True, help="the directory to write")
    args = parser.parse_args()

    params = load_params()
    markdown = write_report(
        names=list(params["models"]),
        headline=params["model"]["name"],
        metrics_dir=args.metrics,
        curves_dir=args.curves,
        eval_dir=args.eval,
        predictions_dir=args.predictions,
        out_dir=args.out,
    )
    print(markdown)


if __name__ == "__main__":
    sys.exit(run_stage(main))
