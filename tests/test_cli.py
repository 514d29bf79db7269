"""Stage scripts: a user's mistake is one line, a bug keeps its traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gtzan.cli import load_params, parse_stage_arguments, run_stage, seed_param
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


WRITES_TO_FD_2 = """
import os, sys
import gtzan.quiet
os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
os.write(2, b"I0000 00:00:1795619757.472853   18549 port.cc:153] oneDNN custom operations are on.\\n")
os.write(2, b"E0000 00:00:1795619299.229950   17031 meta_optimizer.cc:967] remapper failed: INVALID_ARGUMENT\\n")
os.write(2, b"E0000 00:00:1795619299.229950   17031 cuda_dnn.cc:12] a real C++ error\\n")
print("a line of ours", file=sys.stderr)
raise ValueError("a bug")
"""


@pytest.mark.parametrize("keep_logs", [False, True])
def test_quiet_drops_tensorflow_start_up_lines_and_nothing_else(keep_logs):
    env = {**os.environ, "GTZAN_TF_LOGS": "1" if keep_logs else "0"}
    result = subprocess.run([sys.executable, "-c", WRITES_TO_FD_2], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "a real C++ error" in result.stderr and "a line of ours" in result.stderr
    assert result.stderr.rstrip().endswith("ValueError: a bug"), "the traceback comes through, to its last line"
    noise = ("absl::InitializeLog", "oneDNN custom operations", "remapper failed")
    assert all((line in result.stderr) == keep_logs for line in noise)


@pytest.mark.parametrize("end", ["os.abort()", "os._exit(3)", "os.kill(os.getpid(), 9)"])
def test_quiet_loses_no_line_written_just_before_the_process_dies(end):
    script = f"import os\nimport gtzan.quiet\nos.write(2, b'F0000 check_op.cc:1] Check failed: a diagnostic\\n')\n{end}\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode != 0 and "Check failed: a diagnostic" in result.stderr


@pytest.mark.parametrize("seed", ["abc", -1, 1.5, True, None])
def test_a_bad_seed_is_named(seed):
    with pytest.raises(UserError, match=r"params.yaml seed must be a non-negative integer, got"):
        seed_param({"seed": seed})
    assert seed_param({"seed": 0}) == 0


def test_a_stage_command_line_takes_its_paths_and_requires_every_option(capsys):
    names = ("architecture", "--data", "--model")
    args = parse_stage_arguments("Stage train@NAME.", names, ["cnn_gru", "--data", "data/prepared", "--model", "models/cnn_gru.keras"])
    assert (args.architecture, args.data, args.model) == ("cnn_gru", Path("data/prepared"), Path("models/cnn_gru.keras"))
    with pytest.raises(SystemExit):
        parse_stage_arguments("Stage train@NAME.", names, ["cnn_gru", "--data", "data/prepared"])
    assert "the following arguments are required: --model" in capsys.readouterr().err
