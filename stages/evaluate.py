"""Stage evaluate@NAME: a saved model on the validation side, and the test side where there is one -> its metrics, scores and predictions."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import load_params, parse_stage_arguments, run_stage, seed_param
from gtzan.evaluate import evaluate_saved_model

ARGUMENTS = ("model", "--data", "--out", "--predictions")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)
    params = load_params()
    evaluate_saved_model(model_path=args.model, data_dir=args.data, out_dir=args.out, predictions_dir=args.predictions,
                         configured_class_names=params["data"]["class_names"], seed=seed_param(params))


if __name__ == "__main__":
    sys.exit(run_stage(main))
