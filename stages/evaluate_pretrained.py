"""Stage evaluate_pretrained@NAME: a pretrained network's saved probe on each scored side, given its own input
(each segment's window, gtzan.transfer) -> its metrics, scores and predictions, as evaluate writes them."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage, seed_param
from gtzan.evaluate import evaluate_saved_model
from gtzan.prepared import load_summary
from gtzan.transfer import segment_windows, window_length


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path, help="the saved .keras model: one window in, genre probabilities out")
    parser.add_argument("--features", type=Path, required=True, help="the network's input of every clip (featurize_pretrained)")
    parser.add_argument("--data", type=Path, required=True, help="the prepared data directory")
    parser.add_argument("--out", type=Path, required=True, help="the directory for metrics.json and scores.json")
    parser.add_argument("--predictions", type=Path, required=True, help="the directory for each side's predictions CSV")
    args = parser.parse_args()

    params = load_params()
    summary = load_summary(args.data)
    evaluate_saved_model(model_path=args.model, data_dir=args.data, out_dir=args.out, predictions_dir=args.predictions,
                         configured_class_names=params["data"]["class_names"], seed=seed_param(params),
                         inputs=lambda side, model: segment_windows(args.features, args.data, side, summary, window_length(model)))


if __name__ == "__main__":
    sys.exit(run_stage(main))
