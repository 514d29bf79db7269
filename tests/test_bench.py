"""The benchmark runs: a short version on tiny data (its figures belong in docs/performance.md, not in asserts)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import read_committed_yaml, write_prepared

from gtzan.bench import forward_flops, main, notebook_environment
from gtzan.devices import automatic_precision


def test_the_notebook_way_gets_tensorflows_own_choice_of_kernels_and_the_user_has_the_last_word(monkeypatch):
    import gtzan

    monkeypatch.setattr(gtzan, "ONEDNN_SET_BY_USER", False)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    flags = set(Path("/proc/cpuinfo").read_text().split())
    tensorflows_choice = "1" if flags & {"avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16"} else "0"
    assert notebook_environment()["TF_ENABLE_ONEDNN_OPTS"] == tensorflows_choice
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")  # an AVX2 CPU, emulated: TensorFlow would not turn oneDNN on
    assert notebook_environment()["TF_ENABLE_ONEDNN_OPTS"] == "0"
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA")
    monkeypatch.setattr(gtzan, "ONEDNN_SET_BY_USER", True)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert notebook_environment()["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_forward_flops_count_the_multiply_adds_of_convolutions_dense_and_recurrent_layers():
    import keras
    from keras import layers

    image = keras.Input((8, 8, 1))
    convolved = keras.Model(image, layers.Dense(2)(layers.Flatten()(layers.Conv2D(4, 3, padding="same")(image))))
    assert forward_flops(convolved) == 2 * (8 * 8 * 3 * 3 * 1 * 4) + 2 * (256 * 2)
    sequence = keras.Input((5, 3))
    for layer, flops in [(layers.LSTM(4), 2 * 5 * 4 * 4 * (3 + 4)), (layers.GRU(4), 2 * 5 * 3 * 4 * (3 + 4)),
                         (layers.Bidirectional(layers.LSTM(4)), 2 * 2 * 5 * 4 * 4 * (3 + 4))]:
        assert forward_flops(keras.Model(sequence, layer(sequence))) == flops
    dense_over_time = keras.Model(sequence, layers.Dense(6)(sequence))
    assert forward_flops(dense_over_time) == 2 * 5 * 3 * 6


@pytest.mark.slow
@pytest.mark.scenario
def test_the_benchmark_trains_both_ways_and_writes_its_table(tmp_path, capsys):
    write_prepared(tmp_path / "prepared", {"train": 32, "val": 16})
    out = tmp_path / "bench.md"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(read_committed_yaml("params.yaml")))
    assert main(["--models", "parallel_cnn", "--epochs", "2", "--data", str(tmp_path / "prepared"),
                 "--params", str(tmp_path / "params.yaml"), "--out", str(out), "--musicnn-windows", "8"]) == 0
    text = out.read_text()
    assert re.match(r"CPU: .+, \d+ cores.*; oneDNN ISA: \S.*", text), "the CPU and the instruction set the kernels ran with"
    rows = [line for line in text.splitlines() if line.startswith("| parallel_cnn |")]
    assert [row.split(" | ")[1] for row in rows] == ["notebook", "train stage"]
    assert rows[0].split(" | ")[2] in ("oneDNN, float32", "Eigen, float32"), "the notebook way: TensorFlow's and Keras' defaults"
    cells = rows[1].strip("| ").split(" | ")
    kernels_and_precision, first, steady, samples, gflops, fit, speed_up, rss, accuracy, planned = cells[2:]
    assert kernels_and_precision == f"oneDNN, {automatic_precision()}", "the project's kernels, params.yaml's train.precision: auto"
    assert float(first) > 0 and float(steady) > 0 and float(fit) > 0 and int(samples.replace(",", "")) > 0
    # 3 x parallel_cnn's 3.4 MFLOP forward pass per sample
    assert float(gflops.split()[0]) == pytest.approx(int(samples.replace(",", "")) * 3 * 3.40e6 / 1e9, rel=0.05)
    assert re.fullmatch(r"\d+\.\d\dx", speed_up) and 0 < float(rss) < 64 and 0 <= float(accuracy) <= 1
    assert re.fullmatch(r"50 epochs: \d+ (s|min)", planned), "params.yaml's epochs, not the benchmark's"
    assert re.search(r"All of these at their planned epochs: \d+ (s|min) by the train stage", out.read_text())
    assert out.read_text() in capsys.readouterr().out
    speed = re.search(r"musicnn \(MSD_musicnn, float32\), as the embed stage runs it: (\d+\.\d) windows of 3 s per second", text)
    assert speed and float(speed.group(1)) > 0

