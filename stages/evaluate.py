"""Stage evaluate@NAME: a saved model on the validation side, and the test side where there is one -> its metrics, scores and predictions."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage, seed_param
from gtzan.evaluate import Side, describe_side, load_model, predict_probabilities, resolve_class_names, write_evaluation
from gtzan.prepared import check_trained_on, describe_data, load_prepared, load_song_ids, load_summary, scored_sides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path, help="the saved .keras model")
    parser.add_argument("--data", type=Path, required=True, help="the prepared data directory")
    parser.add_argument("--out", type=Path, required=True, help="the directory for metrics.json and scores.json")
    parser.add_argument("--predictions", type=Path, required=True, help="the directory for each side's predictions CSV")
    args = parser.parse_args()

    params = load_params()
    summary = load_summary(args.data)
    class_names = resolve_class_names(params["data"]["class_names"], summary["class_names"], summary["num_classes"])
    model = load_model(args.model)
    check_trained_on(args.model, args.data)
    sides = {}
    for side in scored_sides(summary):
        spectrograms, actual = load_prepared(args.data, side)
        sides[side] = Side(actual, predict_probabilities(model, spectrograms), load_song_ids(args.data, side))
    metrics, scores = write_evaluation(
        out_dir=args.out,
        predictions_dir=args.predictions,
        sides=sides,
        class_names=class_names,
        seed=seed_param(params),
        data=describe_data(summary),
    )
    for side in sides:
        print(f"{args.model}: {describe_side(side, metrics[side], scores[side])}")


if __name__ == "__main__":
    sys.exit(run_stage(main))
