"""Stage train@<name>: data/prepared/ -> models/<name>.keras, metrics/<name>.json, dvclive/<name>/."""

import sys
from pathlib import Path

from gtzan.cli import architecture_argument, load_params, run_stage
from gtzan.models import MODEL_BUILDERS
from gtzan.prepare import load_prepared, load_song_ids, load_summary
from gtzan.train import TrainingConfig, train_model, write_metrics

PREPARED = Path("data/prepared")


def main() -> None:
    name = architecture_argument(__doc__)

    params = load_params()
    if name not in params["models"] or name not in MODEL_BUILDERS:
        raise ValueError(
            f"unknown architecture '{name}'; params.yaml defines {sorted(params['models'])} "
            f"and the registry has {sorted(MODEL_BUILDERS)}"
        )
    metrics = train_model(
        name=name,
        config=TrainingConfig.from_params(name, params["models"][name]),
        train_data=load_prepared(PREPARED, "train"),
        val_data=load_prepared(PREPARED, "val"),
        num_classes=load_summary(PREPARED)["num_classes"],
        seed=params["seed"],
        deterministic=params["train"]["deterministic"],
        model_path=Path(f"models/{name}.keras"),
        live_dir=Path(f"dvclive/{name}"),
        val_song_ids=load_song_ids(PREPARED, "val"),
    )
    write_metrics(metrics, Path(f"metrics/{name}.json"))
    print(f"{name}: best validation accuracy {metrics['val_accuracy_best']:.3f} at epoch {metrics['best_epoch']}, "
          f"{metrics['seconds_per_epoch']:.1f} s/epoch")


if __name__ == "__main__":
    sys.exit(run_stage(main))
