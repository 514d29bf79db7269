"""The report stage: compare every trained architecture and headline the one under study.

Reads, for each architecture <name>, what its train and evaluate stages wrote under the directories
dvc.yaml passes: DVCLive's <live>/<name>/ (metrics.json and curves, gtzan.curves), <eval>/<name>/metrics.json
and scores.json, and <predictions>/<name>/<side>.csv (gtzan.predictions); and the ensemble stage's evaluation
and predictions, in the two directories dvc.yaml passes for them (gtzan.report.runs).

The reported side is the test side where the split protocol has one (gtzan.splits), else validation: its
figures are the headline's, the comparisons', the confusion matrix's. Validation figures are shown as what
selection (best epoch, early stopping) saw. Writes into <out>/:
    report.html               one self-contained page: table, accuracy bars with their intervals,
                              the headline's paired comparisons, its confusion matrix and per-genre
                              scores, every architecture's learning curves
    report.md                 the comparison table and the paired comparisons
    curves/<name>.png         loss and accuracy vs epoch, train and validation
    headline/curves/          the headline model's curves, and its predictions on the reported side
    headline/predictions.csv  (its confusion matrix), under paths that are the same in every revision,
                              so `dvc plots diff` can overlay experiments
    headline/metrics.json     the headline model's metrics (headline columns of `dvc exp show`)

The modules by job: runs (what is read), tables (the words and tables of both pages), figures (the charts),
page (report.html); here, what is written where.
"""

import json
import shutil
from pathlib import Path

from gtzan.curves import curves_dir
from gtzan.errors import UserError
from gtzan.report.figures import learning_curves_figure, png_base64
from gtzan.report.page import report_html
from gtzan.report.runs import SPEC_FIGURES, DataInfo, Run, paired_comparisons, read_ensemble, read_run
from gtzan.report.tables import comparison_markdown

__all__ = ["SPEC_FIGURES", "write_report"]


def write_report(
    *,
    names: list[str],
    headline: str,
    data_summary: dict,
    live_dir: Path,
    eval_dir: Path,
    predictions_dir: Path,
    out_dir: Path,
    seed: int,
    ensemble_dir: Path | None = None,
    ensemble_predictions_dir: Path | None = None,
) -> str:
    """Write everything under out_dir; return the markdown. data_summary: the prepared data's summary.json.

    seed: the paired bootstrap's (as evaluate's); ensemble_dir and ensemble_predictions_dir, if given: where the
    ensemble stage wrote its evaluation and its predictions, reported as one more row.
    """
    if headline not in names:
        raise UserError(f"model.name '{headline}' is not a model of this run (params.yaml models: and transfer.models); valid names are {names}")
    runs = [
        read_run(name, live_dir=live_dir, eval_dir=eval_dir, predictions_dir=predictions_dir)
        for name in names
    ]
    runs.sort(key=lambda run: (run.name != headline, -run.metrics["val_accuracy_best"]))
    if ensemble_dir is not None:
        runs.append(read_ensemble(eval_dir=ensemble_dir, predictions_dir=ensemble_predictions_dir))
    head = runs[0]
    data = DataInfo.from_summary(data_summary)
    if data.side not in head.outcomes:
        raise UserError(f"{head.name} has no predictions on the {data.side_words} side: rerun its evaluation (dvc repro)")
    comparisons = paired_comparisons(head, runs[1:], data.side, seed)

    out_dir = Path(out_dir)
    (out_dir / "curves").mkdir(parents=True, exist_ok=True)
    curve_images = {}
    for run in runs:
        if run.is_ensemble:
            continue
        figure = learning_curves_figure(run.name, run.curves)
        figure.savefig(out_dir / "curves" / f"{run.name}.png", dpi=100)
        curve_images[run.name] = png_base64(figure)
    write_headline(head, data.side, out_dir / "headline")

    markdown = comparison_markdown(runs, data, comparisons, seed)
    (out_dir / "report.md").write_text(markdown)
    (out_dir / "report.html").write_text(report_html(runs, data, curve_images, comparisons, seed))
    return markdown


def write_headline(run: Run, side: str, out_dir: Path) -> None:
    """The headline model's metrics (training's and each side's saved-model figures, the tables left out), its
    predictions on the reported side and its curves."""
    out_dir.mkdir(parents=True, exist_ok=True)
    headline = {"model": run.name, **run.metrics}
    for scored in run.predictions:
        headline[scored] = {key: value for key, value in run.evaluation[scored].items() if not isinstance(value, (dict, list))}
    (out_dir / "metrics.json").write_text(json.dumps(headline, indent=2) + "\n")
    shutil.copyfile(run.predictions[side], out_dir / "predictions.csv")
    shutil.copytree(curves_dir(run.live_dir), out_dir / "curves", dirs_exist_ok=True)
