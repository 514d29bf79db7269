"""Stage report: the data's summary and every architecture's (and the ensemble's) metrics, curves, scores and predictions -> the report."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import load_params, model_names, parse_stage_arguments, run_stage, seed_param
from gtzan.prepared import load_summary
from gtzan.report import write_report

ARGUMENTS = ("--data", "--all-live", "--all-eval", "--all-predictions", "--ensemble", "--ensemble-predictions", "--out")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)

    params = load_params()
    markdown = write_report(
        names=model_names(params),
        headline=params["model"]["name"],
        data_summary=load_summary(args.data),
        live_dir=args.all_live,
        eval_dir=args.all_eval,
        predictions_dir=args.all_predictions,
        out_dir=args.out,
        seed=seed_param(params),
        ensemble_dir=args.ensemble,
        ensemble_predictions_dir=args.ensemble_predictions,
    )
    print(markdown)


if __name__ == "__main__":
    sys.exit(run_stage(main))
