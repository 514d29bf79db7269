"""Stage evaluate_pretrained@NAME: a pretrained network's saved probe on each scored side, given its own input
(each segment's window, gtzan.transfer) -> its metrics, scores and predictions, as evaluate writes them."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import load_params, parse_stage_arguments, run_stage, seed_param
from gtzan.evaluate import evaluate_saved_model
from gtzan.prepared import load_summary
from gtzan.transfer import segment_windows, window_length

ARGUMENTS = ("model", "--features", "--data", "--out", "--predictions")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)
    params = load_params()
    summary = load_summary(args.data)
    evaluate_saved_model(model_path=args.model, data_dir=args.data, out_dir=args.out, predictions_dir=args.predictions,
                         configured_class_names=params["data"]["class_names"], seed=seed_param(params),
                         inputs=lambda side, model: segment_windows(args.features, args.data, side, summary, window_length(model)))


if __name__ == "__main__":
    sys.exit(run_stage(main))
