"""Stage evaluate@NAME: a saved model on the validation split -> its metrics, scores and predictions."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage, seed_param
from gtzan.evaluate import load_model, predict_probabilities, resolve_class_names, write_evaluation
from gtzan.prepared import check_trained_on, load_prepared, load_song_ids, load_summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path, help="the saved .keras model")
    parser.add_argument("--data", type=Path, required=True, help="the prepared data directory")
    parser.add_argument("--out", type=Path, required=True, help="the directory for metrics.json and scores.json")
    parser.add_argument("--predictions", type=Path, required=True, help="the predictions CSV file to write")
    args = parser.parse_args()

    params = load_params()
    summary = load_summary(args.data)
    class_names = resolve_class_names(params["data"]["class_names"], summary["class_names"], summary["num_classes"])
    spectrograms, actual = load_prepared(args.data, "val")
    model = load_model(args.model)
    check_trained_on(args.model, args.data)
    metrics, scores = write_evaluation(
        out_dir=args.out,
        predictions_path=args.predictions,
        actual=actual,
        probabilities=predict_probabilities(model, spectrograms),
        class_names=class_names,
        seed=seed_param(params),
        song_ids=load_song_ids(args.data, "val"),
    )
    worst = min(scores["per_genre"].items(), key=lambda item: item[1]["f1"])
    songs = (f", song accuracy {metrics['song_accuracy']:.3f} [{metrics['song_accuracy_ci_low']:.3f}, "
             f"{metrics['song_accuracy_ci_high']:.3f}]" if "song_accuracy" in metrics else "")
    print(f"{args.model}: validation accuracy {metrics['accuracy']:.3f} [{metrics['accuracy_ci_low']:.3f}, "
          f"{metrics['accuracy_ci_high']:.3f}]{songs}, macro F1 {metrics['macro_f1']:.3f}, "
          f"weakest genre {worst[0]} (F1 {worst[1]['f1']:.2f})")


if __name__ == "__main__":
    sys.exit(run_stage(main))
