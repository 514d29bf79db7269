"""Stage download: data.source -> RAW_DIR (the Drive data's train/ and val/, or the decoded audio/; source.json)."""

import interpreter  # noqa: F401  (first: one clear line when `python` is not the project's)
import gtzan.quiet  # noqa: F401  (then: drops TensorFlow's start-up lines from stderr)

import sys

from gtzan.cli import load_params, parse_stage_arguments, run_stage, seed_param
from gtzan.download import fetch_raw_data

ARGUMENTS = ("raw_dir",)


def main() -> None:
    args = parse_stage_arguments(__doc__, ARGUMENTS)

    params = load_params()
    info = fetch_raw_data(
        source=str(params["data"]["source"]),
        destination=args.raw_dir,
        seed=seed_param(params),
        songs_per_genre=params["data"]["synthetic"]["songs_per_genre"],
        sample_rate=params["frontend"]["sample_rate"],
        genres=params["data"]["genres"],
    )
    print(f"{args.raw_dir}/ is ready ({info['source']}).")


if __name__ == "__main__":
    sys.exit(run_stage(main))
