"""The benchmark runs: a short version on tiny data (its figures belong in docs/performance.md, not in asserts)."""

import json
import re

import numpy as np
import pytest
import yaml
from conftest import read_committed_yaml, write_prepared

from gtzan.bench import main


@pytest.mark.slow
def test_the_benchmark_trains_both_ways_and_writes_its_table(tmp_path, capsys):
    write_prepared(tmp_path / "prepared", {"train": 32, "val": 16})
    out = tmp_path / "bench.md"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(read_committed_yaml("params.yaml")))
    assert main(["--models", "parallel_cnn", "--epochs", "2", "--data", str(tmp_path / "prepared"),
                 "--params", str(tmp_path / "params.yaml"), "--out", str(out)]) == 0
    rows = [line for line in out.read_text().splitlines() if line.startswith("| parallel_cnn |")]
    assert [row.split(" | ")[1] for row in rows] == ["notebook", "train stage"]
    cells = rows[1].strip("| ").split(" | ")
    first, steady, samples, fit, speed_up, rss, accuracy, planned = cells[2:]
    assert float(first) > 0 and float(steady) > 0 and float(fit) > 0 and int(samples.replace(",", "")) > 0
    assert re.fullmatch(r"\d+\.\d\dx", speed_up) and 0 < float(rss) < 64 and 0 <= float(accuracy) <= 1
    assert re.fullmatch(r"50 epochs: \d+ (s|min)", planned), "params.yaml's epochs, not the benchmark's"
    assert re.search(r"All of these at their planned epochs: \d+ (s|min) by the train stage", out.read_text())
    assert out.read_text() in capsys.readouterr().out

