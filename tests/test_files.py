"""A stage's output directory is either complete or absent, and nothing of a killed run stays behind."""

import pytest

from gtzan.files import staged_directory


def test_the_destination_appears_only_when_complete(tmp_path):
    destination = tmp_path / "raw"
    with pytest.raises(RuntimeError):
        with staged_directory(destination) as staging:
            (staging / "half.txt").write_text("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with staged_directory(destination) as staging:
        (staging / "whole.txt").write_text("whole")
    assert [path.name for path in tmp_path.iterdir()] == ["raw"] and (destination / "whole.txt").exists()


def test_staging_folders_left_by_a_killed_run_are_removed_by_the_next(tmp_path, capsys):
    for suffix in ("abc123", "def456"):  # what SIGKILL leaves: no finally clause ran
        (tmp_path / f".raw-partial-{suffix}").mkdir()
        (tmp_path / f".raw-partial-{suffix}" / "train").mkdir()
    (tmp_path / ".prepared-partial-xyz").mkdir()  # another output's: not this call's business
    with staged_directory(tmp_path / "raw") as staging:
        (staging / "done").write_text("")
    assert sorted(path.name for path in tmp_path.iterdir()) == [".prepared-partial-xyz", "raw"]
    assert capsys.readouterr().out.count("left by an interrupted run") == 2
