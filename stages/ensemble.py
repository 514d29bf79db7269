"""Stage ensemble: the members' validation probabilities, averaged -> metrics, scores and predictions like evaluate's, and a manifest for predict."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import argparse
import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage, seed_param
from gtzan.ensemble import mean_probabilities, resolve_members, write_manifest
from gtzan.evaluate import write_evaluation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=Path, required=True, help="the directory of every architecture's predictions")
    parser.add_argument("--out", type=Path, required=True, help="the directory for metrics.json and scores.json")
    parser.add_argument("--predictions", type=Path, required=True, help="the predictions CSV file to write")
    parser.add_argument("--manifest", type=Path, required=True, help="the manifest to write, beside the member models")
    args = parser.parse_args()

    params = load_params()
    members = resolve_members(params["ensemble"]["members"], list(params["models"]))
    probabilities, first = mean_probabilities([args.members / f"{name}.csv" for name in members])
    metrics, _ = write_evaluation(
        out_dir=args.out,
        predictions_path=args.predictions,
        actual=first.actual,
        probabilities=probabilities,
        class_names=first.class_names,
        seed=seed_param(params),
        song_ids=first.song_ids,
        members=members,
    )
    write_manifest(args.manifest, members)
    songs = f", song accuracy {metrics['song_accuracy']:.3f}" if "song_accuracy" in metrics else ""
    print(f"ensemble of {len(members)} ({', '.join(members)}): validation accuracy {metrics['accuracy']:.3f}{songs}, "
          f"macro F1 {metrics['macro_f1']:.3f}")


if __name__ == "__main__":
    sys.exit(run_stage(main))
