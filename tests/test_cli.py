"""Stage scripts: a user's mistake is one line, a bug keeps its traceback."""

import pytest

from gtzan.cli import load_params, run_stage
from gtzan.errors import UserError


def test_a_user_error_is_one_line_on_stderr_and_exit_code_1(capsys):
    def bad_input() -> None:
        raise UserError("data.split 'album' is unknown; valid values are ['song', 'segment']")

    assert run_stage(bad_input) == 1
    captured = capsys.readouterr()
    assert captured.err == "ERROR: data.split 'album' is unknown; valid values are ['song', 'segment']\n"
    assert captured.out == ""


@pytest.mark.parametrize("error", [ValueError("a Keras internal"), KeyError("epochs"), TypeError("a bug")])
def test_any_other_exception_propagates_with_its_traceback(error):
    def bug() -> None:
        raise error

    with pytest.raises(type(error)):
        run_stage(bug)


def test_a_missing_params_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="params.yaml not found: run the stages from the repository root"):
        load_params(tmp_path / "params.yaml")
