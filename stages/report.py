"""Stage report: metrics/, dvclive/ and eval/ of every architecture -> plots/ (report, curves, headline)."""

import sys
from pathlib import Path

from gtzan.cli import load_params, run_stage
from gtzan.report import write_report


def main() -> None:
    params = load_params()
    markdown = write_report(
        names=list(params["models"]),
        headline=params["model"]["name"],
        metrics_dir=Path("metrics"),
        live_dir=Path("dvclive"),
        eval_dir=Path("eval"),
        out_dir=Path("plots"),
    )
    print(markdown)


if __name__ == "__main__":
    sys.exit(run_stage(main))
