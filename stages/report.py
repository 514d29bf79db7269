"""Stage report: the data's summary and every architecture's (and the ensemble's) metrics, curves, scores and predictions -> the report."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, model_names, run_stage, seed_param
from gtzan.prepared import load_summary
from gtzan.report import write_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="the prepared data directory (its summary.json)")
    parser.add_argument("--live", type=Path, required=True, help="the directory of every architecture's DVCLive log")
    for name in ("eval", "predictions"):
        parser.add_argument(f"--{name}", type=Path, required=True, help=f"the directory of every architecture's {name}")
    parser.add_argument("--ensemble", type=Path, required=True, help="the ensemble stage's directory of metrics.json and scores.json")
    parser.add_argument("--ensemble-predictions", type=Path, required=True, help="the ensemble stage's predictions directory")
    parser.add_argument("--out", type=Path, required=True, help="the directory to write")
    args = parser.parse_args()

    params = load_params()
    markdown = write_report(
        names=model_names(params),
        headline=params["model"]["name"],
        data_summary=load_summary(args.data),
        live_dir=args.live,
        eval_dir=args.eval,
        predictions_dir=args.predictions,
        out_dir=args.out,
        seed=seed_param(params),
        ensemble_dir=args.ensemble,
        ensemble_predictions_dir=args.ensemble_predictions,
    )
    print(markdown)


if __name__ == "__main__":
    sys.exit(run_stage(main))
