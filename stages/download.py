"""Stage download: data.source -> data/raw/ (train/ and val/ saved datasets, source.json)."""

import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage
from gtzan.download import fetch_raw_data


def main() -> None:
    params = load_params()
    info = fetch_raw_data(
        source=str(params["data"]["source"]),
        destination=Path("data/raw"),
        seed=params["seed"],
        songs_per_genre=params["data"]["synthetic"]["songs_per_genre"],
        frontend_settings=params["frontend"],
        genres=params["data"]["genres"],
        split=params["data"]["split"],
    )
    print(f"data/raw/ is ready ({info['source']}).")


if __name__ == "__main__":
    sys.exit(run_stage(main))
