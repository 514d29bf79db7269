"""Stage prepare: data/raw/ -> data/prepared/ (validated, standardized, canonical arrays)."""

import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage
from gtzan.prepare import prepare_data


def main() -> None:
    params = load_params()
    summary = prepare_data(raw_dir=Path("data/raw"), out_dir=Path("data/prepared"), num_classes=params["data"]["num_classes"])
    counts = ", ".join(f"{split} {count['total']:,}" for split, count in summary["counts"].items())
    print(f"data/prepared/ is ready: {counts} examples.")


if __name__ == "__main__":
    sys.exit(run_stage(main))
