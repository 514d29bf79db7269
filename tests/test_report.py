"""The report stage: comparison table, learning-curve PNGs and the headline files."""

import json
import re

import numpy as np
import pytest

from dvclive import Live
from dvclive.keras import DVCLiveCallback

from gtzan.curves import read_curves
from gtzan.errors import UserError
from gtzan.evaluate import Side, write_evaluation
from gtzan.report import SPEC_FIGURES, write_report

GENRES = ["rock", "jazz", "pop"]
DRIVE_DATA = {
    "source": {"source": "gdrive"},
    "protocol": {"method": "given", "description": "the data's own segment split: 24 train, 6 validation segments"},
    "class_names": GENRES,
    "counts": {"train": {"total": 24}, "val": {"total": 6}},
}
SYNTHETIC_DATA = {
    "source": {"source": "synthetic", "seed": 42, "songs_per_genre": 20},
    "protocol": {"method": "song", "description": "song split 80/20: 48 train, 12 validation songs"},
    "class_names": GENRES,
    "counts": {"train": {"total": 1920}, "val": {"total": 480}},
}
TESTED_DATA = {  # a protocol with a test side
    "source": {"source": "synthetic", "seed": 42, "songs_per_genre": 20},
    "protocol": {"method": "song", "description": "song split 60/20/20: 36 train, 12 validation, 12 test songs"},
    "class_names": GENRES,
    "counts": {"train": {"total": 1440}, "val": {"total": 480}, "test": {"total": 480}},
}


def fake_run(root, name: str, val_accuracy: list[float]) -> None:
    """What the train and evaluate stages leave: dvclive/<name>/ (written by DVCLive), eval/<name>/, predictions/<name>/val.csv."""
    epochs = len(val_accuracy)
    best = max(range(epochs), key=val_accuracy.__getitem__)
    with Live(dir=str(root / "dvclive" / name), dvcyaml=False, save_dvc_exp=False) as live:
        logger = DVCLiveCallback(live=live)
        for epoch in range(epochs):
            logger.on_epoch_end(epoch, {"loss": 2.0 - 0.1 * epoch, "accuracy": 0.2 + 0.1 * epoch,
                                        "val_loss": 2.1 - 0.1 * epoch, "val_accuracy": val_accuracy[epoch]})
        live.summary.update({"val_accuracy_best": val_accuracy[best], "val_loss_best": 0.9, "best_epoch": best + 1,
                             "epochs": epochs, "parameters": 1000, "seconds_per_epoch": 2.5})
    actual = np.array([0, 0, 1, 1, 2, 2])
    probabilities = np.eye(3)[[0, 0, 1, 0, 2, 1]]
    write_evaluation(
        out_dir=root / "eval" / name, predictions_dir=root / "predictions" / name,
        sides={"val": Side(actual, probabilities)}, class_names=GENRES, seed=0, data="the data",
    )


def report(tmp_path, headline: str, data: dict = DRIVE_DATA, ensemble: bool = False) -> str:
    return write_report(
        names=["parallel_cnn", "cnn_rnn"], headline=headline, data_summary=data,
        live_dir=tmp_path / "dvclive", eval_dir=tmp_path / "eval",
        predictions_dir=tmp_path / "predictions", out_dir=tmp_path / "plots", seed=0,
        **({"ensemble_dir": tmp_path / "eval/ensemble", "ensemble_predictions_dir": tmp_path / "eval/ensemble/predictions"}
           if ensemble else {}),
    )


def test_report_compares_every_architecture_and_headlines_one(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4, 0.7, 0.65])
    fake_run(tmp_path, "cnn_rnn", [0.3, 0.5])
    markdown = report(tmp_path, headline="cnn_rnn")

    assert ("Headline architecture (`model.name`): **cnn_rnn**, best validation accuracy 50.0% at epoch 2 of 2; "
            "saved model 66.7% [33.3, 100.0], macro F1 0.656.") in markdown
    # 4 of 6 segments right: the interval is wide and straddles both spec figures
    assert ("| **cnn_rnn** | 50.0% | 66.7% [33.3, 100.0] | unknown (no song ids) | 2 of 2 | 0.656 | 1,000 | none | 2.5 "
            "| ≥ 50 % (assignment target) | inconclusive |") in markdown
    assert ("| parallel_cnn | 70.0% | 66.7% [33.3, 100.0] | unknown (no song ids) | 2 of 3 | 0.656 | 1,000 | none | 2.5 "
            "| ≥ 70 % (assignment target) | inconclusive |") in markdown
    assert "over the 6 validation segments, resampled one by one as the data has no song ids (2,000 resamples, seed 0)." in markdown
    assert "test acc" not in markdown and "test was used" not in markdown, "no test side, no test figures"
    assert "## cnn_rnn against each other model, on the validation side" in markdown
    assert "| parallel_cnn | +0.0 pts [+0.0, +0.0] | not distinguishable on this split |" in markdown, "identical predictions"
    assert markdown.index("**cnn_rnn**") < markdown.index("| parallel_cnn"), "the headline comes first"
    assert (tmp_path / "plots" / "report.md").read_text() == markdown

    page = (tmp_path / "plots" / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2 + 2, "two learning-curve charts, the bars, the confusion matrix"
    assert "<td>jazz</td><td>0.500</td><td>0.500</td><td>0.500</td><td>2</td>" in page
    assert "jazz taken for rock: 1 segments (50% of the errors)" in page
    assert "<h2>cnn_rnn on the validation side</h2>" in page
    assert (tmp_path / "plots" / "headline" / "predictions.csv").read_text() == (
        tmp_path / "predictions" / "cnn_rnn" / "val.csv"
    ).read_text()
    for name in ("parallel_cnn", "cnn_rnn"):
        assert (tmp_path / "plots" / "curves" / f"{name}.png").read_bytes().startswith(b"\x89PNG")

    headline = json.loads((tmp_path / "plots" / "headline" / "metrics.json").read_text())
    assert headline["model"] == "cnn_rnn" and headline["val_accuracy_best"] == 0.5 and headline["val"]["macro_f1"] == 0.655556
    assert headline["val"]["accuracy"] == 0.666667 and headline["val"]["segments"] == 6 and "test" not in headline
    assert "per_genre" not in headline["val"] and "confusion" not in headline["val"], "scalars only"
    for split in ("train", "eval"):
        for metric in ("loss", "accuracy"):
            copied = (tmp_path / "plots" / "headline" / "curves" / split / f"{metric}.tsv").read_text()
            assert copied == (tmp_path / "dvclive" / "cnn_rnn" / "plots" / "metrics" / split / f"{metric}.tsv").read_text()


def test_the_report_names_its_data_and_compares_with_the_spec_only_on_the_specs_data(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4, 0.7, 0.65])
    fake_run(tmp_path, "cnn_rnn", [0.3, 0.5])
    drive = report(tmp_path, headline="cnn_rnn")
    assert "Data: the Drive data (GTZAN), the data's own segment split: 24 train, 6 validation segments." in drive
    assert "| ≥ 50 % (assignment target) | inconclusive |" in drive and "not compared" not in drive

    synthetic = report(tmp_path, headline="cnn_rnn", data=SYNTHETIC_DATA)
    assert ("Data: the synthetic data (seed 42, 20 songs per genre), song split 80/20: 48 train, 12 validation songs; "
            "1,920 train, 480 validation segments.") in synthetic
    assert "| ≥ 50 % (assignment target) | not compared |" in synthetic
    assert "not on this data: they are shown for reference and not compared" in synthetic
    page = (tmp_path / "plots" / "report.html").read_text()
    assert "Data: <strong>the synthetic data (seed 42, 20 songs per genre), song split 80/20: 48 train, 12 validation songs</strong>" in page
    assert "shown for reference and not compared" in page


def test_the_report_reads_the_curves_dvclive_logged(tmp_path):
    fake_run(tmp_path, "cnn_rnn", [0.3, 0.5])
    assert (tmp_path / "dvclive" / "cnn_rnn" / "plots" / "metrics" / "eval" / "accuracy.tsv").read_text().splitlines() == [
        "step\taccuracy", "0\t0.3", "1\t0.5"
    ]
    curves = read_curves(tmp_path / "dvclive" / "cnn_rnn")
    assert curves["accuracy"] == {"train": pytest.approx([0.2, 0.3]), "validation": [0.3, 0.5]}
    assert curves["loss"]["train"] == pytest.approx([2.0, 1.9])


def test_song_accuracy_shows_where_the_data_has_song_ids(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4])
    fake_run(tmp_path, "cnn_rnn", [0.3])
    for name in ("parallel_cnn", "cnn_rnn"):
        write_evaluation(
            out_dir=tmp_path / "eval" / name, predictions_dir=tmp_path / "predictions" / name,
            sides={"val": Side(np.array([0, 0, 1, 1, 2, 2]), np.eye(3)[[0, 0, 1, 0, 2, 1]], np.array([0, 0, 1, 1, 2, 2]))},
            class_names=GENRES, seed=0, data="the data",
        )
    markdown = report(tmp_path, headline="cnn_rnn")
    # songs 0, 1, 2 have 2, 1 and 1 of their 2 segments right: resampled, at least half the segments are right
    assert "| **cnn_rnn** | 30.0% | 66.7% [50.0, 100.0] | 33.3% [0.0, 100.0] |" in markdown
    assert "| parallel_cnn | 40.0% | 66.7% [50.0, 100.0] | 33.3% [0.0, 100.0] |" in markdown
    headline = json.loads((tmp_path / "plots" / "headline" / "metrics.json").read_text())
    assert headline["val"]["song_accuracy"] == 0.333333 and headline["val"]["song_accuracy_ci_low"] == 0.0
    assert headline["val"]["accuracy"] == 0.666667 and headline["val"]["accuracy_ci_low"] == 0.5


def test_unknown_headline_lists_the_valid_names(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4])
    fake_run(tmp_path, "cnn_rnn", [0.3])
    with pytest.raises(ValueError, match=r"model.name 'cnn_gru' is not .*\['parallel_cnn', 'cnn_rnn'\]"):
        report(tmp_path, headline="cnn_gru")


def test_a_missing_training_run_is_named(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4])
    with pytest.raises(ValueError, match=r"dvclive/cnn_rnn not found: run the train and evaluate stages"):
        report(tmp_path, headline="parallel_cnn")


def test_the_log_of_a_killed_training_is_not_taken_for_its_result(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4])
    fake_run(tmp_path, "cnn_rnn", [0.3])
    (tmp_path / "dvclive" / "cnn_rnn" / "metrics.json").write_text('{"train": {"loss": 2.0}, "eval": {"loss": 2.1}, "step": 0}')
    with pytest.raises(UserError, match=r"dvclive/cnn_rnn/metrics.json is from an unfinished training: run it to the end \(dvc repro\)\."):
        report(tmp_path, headline="parallel_cnn")


@pytest.mark.parametrize(
    ("name", "interval", "verdict"),
    [("parallel_cnn", (0.60, 0.69), "no (below)"), ("parallel_cnn", (0.72, 0.95), "yes"),
     ("parallel_cnn", (0.65, 0.75), "inconclusive"), ("resnet50", (0.22, 0.28), "yes"), ("resnet50", (0.35, 0.5), "no (above)"),
     ("lstm", (0.45, 0.65), "inconclusive"), ("cnn_gru", (0.86, 0.90), "yes"), ("cnn_bilstm", (0.8, 0.9), "n/a")],
)
def test_spec_verdicts_use_the_interval(name, interval, verdict):
    assert SPEC_FIGURES[name].verdict(*interval) == verdict


def scored_side(songs: int, right_songs: int) -> Side:
    """songs of 2 segments, 3 genres: the first right_songs songs predicted right, the others wrong."""
    song_ids = np.repeat(np.arange(songs), 2)
    actual = song_ids % 3
    predicted = np.where(song_ids < right_songs, actual, (actual + 1) % 3)
    return Side(actual, np.eye(3)[predicted], song_ids)


def evaluation(root, name: str, right_songs: int, members: list[str] | None = None, test_right_songs: int | None = None) -> None:
    """The validation side: 30 songs, the first right_songs right; test_right_songs: also a test side of 15 songs.
    members: the ensemble stage's evaluation, which writes its predictions under eval/ensemble/predictions/."""
    sides = {"val": scored_side(30, right_songs)}
    if test_right_songs is not None:
        sides["test"] = scored_side(15, test_right_songs)
    predictions = root / "eval" / name / "predictions" if members else root / "predictions" / name
    write_evaluation(out_dir=root / "eval" / name, predictions_dir=predictions, sides=sides, class_names=GENRES,
                     seed=0, data="the data", members=members)


def test_paired_comparisons_give_verdicts_and_the_ensemble_has_a_row(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4, 0.9])
    fake_run(tmp_path, "cnn_rnn", [0.3, 0.5])
    evaluation(tmp_path, "parallel_cnn", right_songs=27)
    evaluation(tmp_path, "cnn_rnn", right_songs=12)
    evaluation(tmp_path, "ensemble", right_songs=13, members=["parallel_cnn", "cnn_rnn"])
    markdown = report(tmp_path, headline="cnn_rnn", data=SYNTHETIC_DATA, ensemble=True)

    assert "| other model | segment accuracy: difference [95 % CI] | cnn_rnn is | song accuracy: difference [95 % CI] | cnn_rnn is |" in markdown
    assert re.search(r"\| parallel_cnn \| -50\.0 pts \[-\d+\.\d, -\d+\.\d\] \| worse \| -50\.0 pts \[-\d+\.\d, -\d+\.\d\] \| worse \|", markdown)
    assert re.search(r"\| ensemble \| -3\.3 pts \[-\d+\.\d, \+0\.0\] \| not distinguishable on this split \|", markdown)
    assert "over the 30 validation songs, each song's segments resampled together" in markdown
    assert re.search(r"\| ensemble \| — \| 43\.3% \[\d+\.\d, \d+\.\d\] \| 43\.3% \[\d+\.\d, \d+\.\d\] \| — \| [\d.]+ \| 2,000 \| — \| — \| — \| — \|", markdown)
    assert markdown.index("| **cnn_rnn**") < markdown.index("| parallel_cnn") < markdown.index("| ensemble |")
    assert "ensemble: the mean of the saved models' probabilities of 2 architectures (parallel_cnn, cnn_rnn" in markdown
    page = (tmp_path / "plots" / "report.html").read_text()
    assert "<h2>cnn_rnn against each other model, on the validation side</h2>" in page and "<td>worse</td>" in page
    assert page.count("data:image/png;base64,") == 2 + 2, "no learning curves for the ensemble"

    # The reverse comparison: the same interval, mirrored.
    reverse = report(tmp_path, headline="parallel_cnn", data=SYNTHETIC_DATA, ensemble=True)
    assert re.search(r"\| cnn_rnn \| \+50\.0 pts \[\+\d+\.\d, \+\d+\.\d\] \| better \|", reverse)


def test_models_scored_on_different_validation_items_are_not_compared(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4])
    fake_run(tmp_path, "cnn_rnn", [0.3])
    evaluation(tmp_path, "cnn_rnn", right_songs=12)
    with pytest.raises(UserError, match=r"cnn_rnn/val.csv and .*parallel_cnn/val.csv do not list the same segments"):
        report(tmp_path, headline="cnn_rnn")


def test_a_missing_ensemble_is_named(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4])
    fake_run(tmp_path, "cnn_rnn", [0.3])
    with pytest.raises(UserError, match=r"eval/ensemble/metrics.json not found: run the ensemble stage first"):
        report(tmp_path, headline="cnn_rnn", ensemble=True)


def test_with_a_test_side_the_headline_and_the_comparisons_are_the_test_sides(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4, 0.9])
    fake_run(tmp_path, "cnn_rnn", [0.3, 0.5])
    # validation: the two alike (18 of 30 songs right each); test: cnn_rnn 6 of 15 songs, parallel_cnn all 15
    evaluation(tmp_path, "parallel_cnn", right_songs=18, test_right_songs=15)
    evaluation(tmp_path, "cnn_rnn", right_songs=18, test_right_songs=6)
    markdown = report(tmp_path, headline="cnn_rnn", data=TESTED_DATA)

    assert ("Data: the synthetic data (seed 42, 20 songs per genre), song split 60/20/20: 36 train, 12 validation, 12 test songs; "
            "1,440 train, 480 validation, 480 test segments.") in markdown
    assert re.search(r"Headline architecture \(`model.name`\): \*\*cnn_rnn\*\*, test accuracy 40\.0% \[\d+\.\d, \d+\.\d\], "
                     r"macro F1 0\.400 \(saved model\); what selection saw: best validation accuracy 50\.0% at epoch 2 of 2, "
                     r"saved model 60\.0% \[\d+\.\d, \d+\.\d\] on validation\.", markdown)
    assert ("| architecture | val acc best (selection) | val acc, saved model [95 % CI] | test acc [95 % CI] "
            "| song acc (test) [95 % CI] | epoch of best | macro F1 (test) |") in markdown
    assert re.search(r"\| \*\*cnn_rnn\*\* \| 50\.0% \| 60\.0% \[[\d., ]+\] \| 40\.0% \[[\d., ]+\] \| 40\.0% \[[\d., ]+\] \| 2 of 2 \|", markdown)
    assert re.search(r"\| parallel_cnn \| 90\.0% \| 60\.0% \[[\d., ]+\] \| 100\.0% \[[\d., ]+\] \| 100\.0% \[[\d., ]+\] \| 2 of 2 \|", markdown)
    assert "over the 15 test songs, each song's segments resampled together" in markdown
    assert "test was used for nothing but these figures" in markdown
    # the comparisons: on validation the two are alike, on test cnn_rnn is 60 points behind
    assert "## cnn_rnn against each other model, on the test side" in markdown
    assert "on the same test items" in markdown
    assert re.search(r"\| parallel_cnn \| -60\.0 pts \[-\d+\.\d, -\d+\.\d\] \| worse \| -60\.0 pts \[-\d+\.\d, -\d+\.\d\] \| worse \|", markdown)
    page = (tmp_path / "plots" / "report.html").read_text()
    assert "<h2>cnn_rnn against each other model, on the test side</h2>" in page
    assert "<h2>cnn_rnn on the test side</h2>" in page
    # per genre: 2 of 5 test songs right (0.6 and 20 segments on validation)
    assert "<td>pop</td><td>0.400</td><td>0.400</td><td>0.400</td><td>10</td>" in page, "per-genre scores of the test side"
    assert "<td>0.600</td>" not in page

    headline = json.loads((tmp_path / "plots" / "headline" / "metrics.json").read_text())
    assert headline["model"] == "cnn_rnn" and headline["val_accuracy_best"] == 0.5
    assert headline["val"]["accuracy"] == 0.6 and headline["test"]["accuracy"] == 0.4
    assert headline["val"]["songs"] == 30 and headline["test"]["songs"] == 15
    assert "per_genre" not in headline["test"] and "confusion" not in headline["test"], "scalars only"
    assert (tmp_path / "plots" / "headline" / "predictions.csv").read_text() == (
        tmp_path / "predictions" / "cnn_rnn" / "test.csv"
    ).read_text(), "the reported side's predictions"


def test_a_model_without_the_reported_side_is_named(tmp_path):
    fake_run(tmp_path, "parallel_cnn", [0.4])
    fake_run(tmp_path, "cnn_rnn", [0.3])
    evaluation(tmp_path, "parallel_cnn", right_songs=18)
    evaluation(tmp_path, "cnn_rnn", right_songs=18, test_right_songs=6)
    with pytest.raises(UserError, match=r"parallel_cnn has no predictions on the test side: rerun its evaluation \(dvc repro\)"):
        report(tmp_path, headline="cnn_rnn", data=TESTED_DATA)
    with pytest.raises(UserError, match=r"parallel_cnn has no predictions on the test side: rerun its evaluation \(dvc repro\)"):
        report(tmp_path, headline="parallel_cnn", data=TESTED_DATA)
