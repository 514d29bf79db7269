"""Stage ensemble: the members' probabilities on each scored side, averaged -> metrics, scores and predictions like evaluate's, and a manifest for predict."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import load_params, model_names, parse_stage_arguments, run_stage, seed_param
from gtzan.ensemble import mean_probabilities, resolve_members, write_manifest
from gtzan.evaluate import describe_side, write_evaluation
from gtzan.prepared import describe_data, load_summary, scored_sides

ARGUMENTS = ("--data", "--all-predictions", "--out", "--predictions", "--manifest")


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)
    params = load_params()
    members = resolve_members(params["ensemble"]["members"], model_names(params))
    summary = load_summary(args.data)
    averaged = {side: mean_probabilities([args.all_predictions / name / f"{side}.csv" for name in members])
                for side in scored_sides(summary)}
    sides = {side: mean for side, (mean, _) in averaged.items()}
    class_names = averaged["val"][1]
    metrics, scores = write_evaluation(
        out_dir=args.out,
        predictions_dir=args.predictions,
        sides=sides,
        class_names=class_names,
        seed=seed_param(params),
        data=describe_data(summary),
        members=members,
    )
    write_manifest(args.manifest, members)
    for side in sides:
        print(f"ensemble of {len(members)} ({', '.join(members)}): {describe_side(side, metrics[side], scores[side])}")


if __name__ == "__main__":
    sys.exit(run_stage(main))
