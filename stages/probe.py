"""Stage probe@NAME: the training side's embeddings, selected on validation -> the saved model (the frozen
network with its probe: one window in, genre probabilities out) and its DVCLive log (gtzan.transfer)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

import numpy as np

from gtzan.cli import load_params, parse_stage_arguments, run_stage, seed_param
from gtzan.prepared import describe_data, load_prepared_labels, load_summary, stamp_training_data
from gtzan.transfer import probe_config, train_probe

ARGUMENTS = ("network", "--embeddings", "--data", "--model", "--live")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)
    params = load_params()
    summary = load_summary(args.data)
    side_data = {side: (np.load(args.embeddings / f"{side}.npy"), load_prepared_labels(args.data, side)) for side in ("train", "val")}
    try:
        metrics = train_probe(
            name=args.network,
            config=probe_config(params, args.network),
            train_data=side_data["train"],
            val_data=side_data["val"],
            num_classes=summary["num_classes"],
            seed=seed_param(params),
            deterministic=params["train"]["deterministic"],
            model_path=args.model,
            live_dir=args.live,
            data_description=describe_data(summary),
        )
    except BaseException:
        (args.live / "metrics.json").unlink(missing_ok=True)  # as train's: no metrics of an unfinished run
        raise
    stamp_training_data(args.model, summary)
    print(f"{args.network}: kept the probe of epoch {metrics['selected_epoch']} (the best validation loss), validation accuracy "
          f"{metrics['val_accuracy_selected']:.3f}; best validation accuracy {metrics['val_accuracy_best']:.3f} at epoch {metrics['best_epoch']}")


if __name__ == "__main__":
    sys.exit(run_stage(main))
