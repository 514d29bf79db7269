"""Stage evaluate@NAME: a saved model on the validation side, and the test side where there is one -> its metrics, scores and predictions."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage, seed_param
from gtzan.evaluate import evaluate_saved_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path, help="the saved .keras model")
    parser.add_argument("--data", type=Path, required=True, help="the prepared data directory")
    parser.add_argument("--out", type=Path, required=True, help="the directory for metrics.json and scores.json")
    parser.add_argument("--predictions", type=Path, required=True, help="the directory for each side's predictions CSV")
    args = parser.parse_args()

    params = load_params()
    evaluate_saved_model(model_path=args.model, data_dir=args.data, out_dir=args.out, predictions_dir=args.predictions,
                         configured_class_names=params["data"]["class_names"], seed=seed_param(params))


if __name__ == "__main__":
    sys.exit(run_stage(main))
