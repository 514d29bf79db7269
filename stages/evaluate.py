"""Stage evaluate@<name>: models/<name>.keras on the validation split -> eval/<name>/."""

import sys
from pathlib import Path

from gtzan.cli import architecture_argument, load_params, run_stage
from gtzan.evaluate import predict_classes, resolve_class_names, write_evaluation
from gtzan.prepare import load_prepared, load_summary

PREPARED = Path("data/prepared")


def main() -> None:
    name = architecture_argument(__doc__)

    params = load_params()
    summary = load_summary(PREPARED)
    class_names = resolve_class_names(params["data"]["class_names"], summary["class_names"], summary["num_classes"])
    spectrograms, actual = load_prepared(PREPARED, "val")
    model_path = Path(f"models/{name}.keras")
    if not model_path.exists():
        raise ValueError(f"{model_path} not found: run its train stage first (dvc repro train@{name}).")
    result = write_evaluation(Path(f"eval/{name}"), actual, predict_classes(model_path, spectrograms), class_names)
    worst = min(result["per_genre"].items(), key=lambda item: item[1]["f1"])
    print(f"{name}: validation accuracy {result['accuracy']:.3f}, macro F1 {result['macro_f1']:.3f}, "
          f"weakest genre {worst[0]} (F1 {worst[1]['f1']:.2f})")


if __name__ == "__main__":
    sys.exit(run_stage(main))
