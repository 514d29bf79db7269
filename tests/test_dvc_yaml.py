"""dvc.yaml tells the whole truth: every stage depends on every source file it runs, and the plots pages draw offline."""

import ast
import re
import shlex

import pytest
import yaml
from code_deps import code_files, missing_code_deps
from conftest import REPO_ROOT

from gtzan.cli import STAGE_ARGUMENTS, parse_stage_arguments


def resolved_stages() -> list[tuple[str, str, list[str], tuple[str, ...]]]:
    """(name, script, deps, extra modules) of every stage as DVC itself resolves dvc.yaml (foreach expanded)."""
    from dvc.repo import Repo

    stages = []
    with Repo(str(REPO_ROOT)) as repo:
        for stage in repo.index.stages:
            script = next(word for word in shlex.split(stage.cmd) if word.startswith("stages/"))
            # train@<name> imports gtzan.architectures.<name> by name (gtzan.architectures.builder)
            extra = (f"gtzan.architectures.{stage.name.split('@')[1]}",) if stage.name.startswith("train@") else ()
            stages.append((stage.name, script, [dep.def_path for dep in stage.deps], extra))
    return stages


def test_every_stage_depends_on_every_source_file_it_runs():
    stages = resolved_stages()
    assert {name for name, *_ in stages} >= {"download", "prepare", "report", "train@cnn_gru", "evaluate@cnn_gru"}
    problems = [problem for stage in stages for problem in missing_code_deps(*stage)]
    assert problems == []


def test_the_check_names_the_stage_and_the_file_when_a_dep_is_missing():
    name, script, deps, extra = next(stage for stage in resolved_stages() if stage[0] == "evaluate@cnn_gru")
    without_songs = [dep for dep in deps if dep != "src/gtzan/songs.py"]
    assert missing_code_deps(name, script, without_songs, extra) == [
        "stage evaluate@cnn_gru runs src/gtzan/songs.py but its deps do not list it"
    ]


def test_imports_are_followed_inside_functions_and_through_other_modules():
    # download.py imports gtzan.synthetic inside a function; synthetic imports gtzan.progress; the front-ends are featurize's
    download = code_files(REPO_ROOT / "stages/download.py")
    assert {"src/gtzan/synthetic.py", "src/gtzan/progress.py", "src/gtzan/__init__.py"} <= download
    assert "src/gtzan/frontend.py" not in download and "src/gtzan/musicnn.py" not in download
    train = code_files(REPO_ROOT / "stages/train.py", ("gtzan.architectures.cnn_gru",))
    assert {"src/gtzan/architectures/cnn_gru.py", "src/gtzan/architectures/blocks.py"} <= train
    assert "src/gtzan/architectures/lstm.py" not in train and "src/gtzan/audio.py" not in train


def test_stage_scripts_take_their_paths_from_dvc_yaml():
    for script in (REPO_ROOT / "stages").glob("*.py"):
        assert not re.search(r"Path\(\s*[\"']", script.read_text()), f"{script.name} hard-codes a path"


def test_every_stage_command_parses_with_its_scripts_arguments():
    """Each `cmd` of dvc.yaml, a foreach stage's for one item (transfer.models' too, empty by default), gives its
    script every argument the script's ARGUMENTS names, from the shared vocabulary, and no other."""
    stages = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"]
    assert {"embed", "probe", "evaluate_pretrained"} <= set(stages)
    for name, stage in stages.items():
        command = stage.get("do", stage)["cmd"].replace("${key}", "cnn_gru").replace("${item}", "musicnn")
        python, script, *words = shlex.split(command)
        tree = ast.parse((REPO_ROOT / script).read_text())
        [arguments] = [ast.literal_eval(node.value) for node in tree.body
                       if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ["ARGUMENTS"]]
        assert set(arguments) <= set(STAGE_ARGUMENTS), f"{script}: {sorted(set(arguments) - set(STAGE_ARGUMENTS))}"
        try:
            parse_stage_arguments(script, arguments, words)
        except SystemExit:
            pytest.fail(f"stage {name}: {script} does not take `{command}`")


def test_plots_section_is_short_and_needs_no_edit_per_architecture():
    text = (REPO_ROOT / "dvc.yaml").read_text()
    plots = text[text.index("\nplots:"):]
    assert len(plots.strip().splitlines()) <= 30
    assert "cnn_gru" not in plots and "parallel_cnn" not in plots


@pytest.mark.parametrize("library", ["vega", "vega-lite", "vega-embed"])
def test_dvc_plots_pages_use_the_inlined_vega_that_dvc_render_expects(library):
    from dvc_render.vega import VegaRenderer

    config = (REPO_ROOT / ".dvc/config").read_text()
    assert "html_template = ../vendor/vega/template.html" in config
    template = (REPO_ROOT / "vendor/vega/template.html").read_text()
    wanted = dict(re.findall(r"npm/([a-z-]+)@([\d.]+)", VegaRenderer.SCRIPTS))
    assert f'data-library="{library}@{wanted[library]}"' in template, f"{library} changed: run python vendor/vega/build.py"
    assert template.count("{plot_divs}") == 1 and "{scripts}" not in template
