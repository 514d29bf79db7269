"""Transfer learning (gtzan.transfer): each prepared segment's musicnn window, from the real featurize, prepare
and featurize_pretrained functions on tiny synthetic audio; the params' validation; the probe, and its training
end to end into a plain Keras model that takes windows."""

import dataclasses
import json
from pathlib import Path

import keras
import numpy as np
import pytest
import soxr
from clean_keras import load_without_this_project
from conftest import fake_segments, read_committed_yaml, save_split
from keras import layers

from gtzan.cli import model_names
from gtzan.datasets import load_decoded, read_source, save_audio
from gtzan.errors import UserError
from gtzan.featurize import featurize_logmel
from gtzan.frontend import FrontEnd
from gtzan.musicnn import MusicnnInput, log_mel
from gtzan.prepare import prepare_data
from gtzan.prepared import load_song_ids, load_summary
from gtzan.synthetic import GENRES, render_synthetic_clips
from gtzan.transfer import (
    ProbeConfig,
    build_probe,
    embedding_model,
    featurize_pretrained,
    file_windows,
    probe_config,
    segment_windows,
    train_probe,
    window,
    window_length,
)

SETTINGS = MusicnnInput()
FRONTEND = FrontEnd(segments_per_clip=4)  # 8 s clips at 16 kHz: four 2 s segments
SEGMENT_SECONDS = FRONTEND.segment_samples / FRONTEND.sample_rate  # 2.0
SHORT_CLIP = 1  # blues.00001, cut to 2.5 s: one segment, and shorter than one window (157 frames)
# An 8 s clip has 1 + 128,000 // 256 = 501 frames. Segment p is centred on frame (p + 0.5) x 2 s x 62.5 frames/s
# = 62.5 + 125 p; its window of 187 frames starts 93.5 frames earlier, at 0 (-31, moved inside), 94, 219 and
# 314 (344, moved inside: the last 187 frames).
WINDOW_STARTS = (0, 94, 219, 314)


def frame_numbers(count: int) -> np.ndarray:
    """(count, 2) float32 frames whose values are their own index: a window shows which frames it took."""
    return np.repeat(np.arange(count, dtype=np.float32)[:, None], 2, axis=1)


@pytest.mark.parametrize(
    "centre, first",
    [
        (250.5, 157),  # frames 157..343, centred on 250.5
        (187.5, 94),  # segment 1 of a 2 s front-end
        (62.5, 0),  # segment 0: -31, moved inside
        (0.0, 0),
        (-40.0, 0),
        (450.0, 313),  # past the end (356): moved inside, the last 187 frames
        (1e6, 313),
    ],
)
def test_a_window_is_centred_and_moved_inside_the_clip(centre, first):
    taken = window(frame_numbers(500), centre, SETTINGS.patch_frames)
    assert taken.shape == (187, 2) and taken.dtype == np.float32
    np.testing.assert_array_equal(taken[:, 0], np.arange(first, first + 187))


def test_a_clip_shorter_than_a_window_is_repeated_from_its_start():
    taken = window(frame_numbers(100), 50.0, SETTINGS.patch_frames)
    np.testing.assert_array_equal(taken[:, 0], np.r_[np.arange(100), np.arange(87)])
    exact = window(frame_numbers(187), 150.0, SETTINGS.patch_frames)
    np.testing.assert_array_equal(exact[:, 0], np.arange(187))


@pytest.mark.parametrize("frames", [1, 100, 186, 187, 188, 501])
@pytest.mark.parametrize("centre", [-5.0, 0.0, 93.5, 250.5, 1e6])
def test_a_window_is_always_the_windows_length(frames, centre):
    taken = window(frame_numbers(frames), centre, SETTINGS.patch_frames)
    assert taken.shape == (187, 2)
    assert set(np.unique(taken[:, 0])) <= set(range(frames)), "only the clip's own frames"


def write_synthetic_raw(raw_dir: Path, clips: list[np.ndarray], labels: np.ndarray, names: list[str], sample_rate: int) -> Path:
    """data/raw/ as download leaves the synthetic data: the decoded clips and a source.json."""
    save_audio(raw_dir / "audio", clips, labels, names, sample_rate)
    (raw_dir / "source.json").write_text(json.dumps({"source": "synthetic", "seed": 5, "class_names": list(GENRES)}))
    return raw_dir


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> dict:
    """The real stages' functions on 16 synthetic songs of 8 s (one cut to 2.5 s): download's decoded audio ->
    featurize_logmel -> prepare_data (song split, and segment split), and featurize_pretrained."""
    root = tmp_path_factory.mktemp("pipeline")
    clips, labels, names = render_synthetic_clips(songs_per_genre=2, seed=5, sample_rate=16000, num_samples=8 * 16000)
    clips[SHORT_CLIP] = clips[SHORT_CLIP][:40000]
    raw = write_synthetic_raw(root / "raw", clips, labels, names, 16000)
    featurize_logmel(raw_dir=raw, out_dir=root / "logmel", frontend_settings=dataclasses.asdict(FRONTEND))
    featurize_pretrained(name="musicnn", raw_dir=raw, out_dir=root / "musicnn")
    for split in ("song", "segment"):
        prepare_data(features_dir=root / "logmel", out_dir=root / split, num_classes=len(GENRES), protocol=split, seed=1)
    return {"root": root, "clips": clips, "names": names}


def expected_window(clip: np.ndarray, position: int) -> np.ndarray:
    """By hand: the clip's musicnn log-mel from WINDOW_STARTS[position], or the short clip repeated."""
    frames = log_mel(clip)  # (frames, 96)
    if len(frames) < 187:
        return np.concatenate([frames, frames[:187 - len(frames)]])
    return frames[WINDOW_STARTS[position]:WINDOW_STARTS[position] + 187]


@pytest.mark.parametrize("split", ["song", "segment"])
def test_every_prepared_segment_gets_its_clips_window_in_the_prepared_order(pipeline, split):
    root, clips = pipeline["root"], pipeline["clips"]
    prepared = root / split
    summary = load_summary(prepared)
    assert (prepared / "clips.txt").read_text().splitlines() == pipeline["names"]
    seen = set()
    for side in ("train", "val"):
        windows = segment_windows(root / "musicnn", prepared, side, summary, SETTINGS.patch_frames)
        song_ids, positions = load_song_ids(prepared, side), np.load(prepared / side / "positions.npy")
        assert windows.shape == (summary["counts"][side]["total"], 187, 96) and windows.dtype == np.float32
        for index, (song_id, position) in enumerate(zip(song_ids, positions)):
            np.testing.assert_array_equal(windows[index], expected_window(clips[song_id], position), err_msg=f"{side} {index}")
            seen.add((int(song_id), int(position)))
    assert seen == {(song, position) for song in range(16) for position in range(1 if song == SHORT_CLIP else 4)}
    if split == "segment":  # a clip's segments on both sides: each keeps its position in the clip, not in its side
        assert set(load_song_ids(prepared, "train")) & set(load_song_ids(prepared, "val"))


def test_one_segment_by_hand(pipeline):
    """The song split's first validation segment at position 2: frames 219..405 of its clip's log-mel."""
    root = pipeline["root"]
    song_ids, positions = load_song_ids(root / "song", "val"), np.load(root / "song" / "val" / "positions.npy")
    index = int(np.flatnonzero(positions == 2)[0])
    assert positions[index - 2:index + 1].tolist() == [0, 1, 2] and song_ids[index - 2] == song_ids[index]
    windows = segment_windows(root / "musicnn", root / "song", "val", load_summary(root / "song"), SETTINGS.patch_frames)
    spectrogram = log_mel(pipeline["clips"][song_ids[index]])
    assert spectrogram.shape == (501, 96)
    np.testing.assert_array_equal(windows[index], spectrogram[219:406])


def test_a_shorter_window_is_centred_on_the_same_segment(pipeline):
    """transfer.musicnn.window_frames 125 (the segment's own 2 s): away from the clip's ends, the middle 125 frames
    of the default 187-frame window."""
    root = pipeline["root"]
    summary = load_summary(root / "song")
    default, short = (segment_windows(root / "musicnn", root / "song", "val", summary, length) for length in (187, 125))
    assert short.shape == (len(default), 125, 96)
    inside = np.isin(np.load(root / "song" / "val" / "positions.npy"), [1, 2]) & (load_song_ids(root / "song", "val") != SHORT_CLIP)
    np.testing.assert_array_equal(short[inside], default[inside][:, 31:156])


def test_predict_gives_a_file_the_windows_that_training_gave_its_clip(pipeline):
    """file_windows (predict, on a file's audio) equals segment_windows (embed, on the prepared clip) segment by segment."""
    root, clips = pipeline["root"], pipeline["clips"]
    summary = load_summary(root / "song")
    for side in ("train", "val"):
        windows = segment_windows(root / "musicnn", root / "song", side, summary, SETTINGS.patch_frames)
        song_ids = load_song_ids(root / "song", side)
        for song_id in np.unique(song_ids):
            mine = windows[song_ids == song_id]
            from_file = file_windows(clips[song_id], segments=len(mine), segment_seconds=SEGMENT_SECONDS, length=SETTINGS.patch_frames)
            assert len(mine) == (1 if song_id == SHORT_CLIP else 4)
            np.testing.assert_array_equal(from_file, mine, err_msg=f"song {song_id}")


def test_the_pretrained_features_of_every_clip(pipeline):
    root = pipeline["root"]
    source = read_source(root / "musicnn")
    assert source["input"] == dataclasses.asdict(SETTINGS) and source["source"] == "synthetic"
    assert (root / "musicnn" / "clips.txt").read_text().splitlines() == pipeline["names"]
    offsets = np.load(root / "musicnn" / "offsets.npy")
    assert np.diff(offsets).tolist() == [501, 157] + [501] * 14


def test_the_drive_data_is_refused_naming_the_sources_that_work(tmp_path):
    raw = tmp_path / "raw"
    save_split(raw / "train", *fake_segments(4, seed=1))
    save_split(raw / "val", *fake_segments(2, seed=2))
    (raw / "source.json").write_text(json.dumps({"source": "gdrive"}))
    with pytest.raises(UserError, match="musicnn needs audio, and .* holds the Drive data") as raised:
        featurize_pretrained(name="musicnn", raw_dir=raw, out_dir=tmp_path / "musicnn")
    assert "synthetic" in str(raised.value) and "transfer.models: []" in str(raised.value)
    assert not (tmp_path / "musicnn").exists()


def test_audio_at_another_rate_is_resampled_to_musicnns(tmp_path):
    """Clips decoded at 22,050 Hz: musicnn's log-mel of the clips resampled to 16 kHz, 1 + samples // 256 frames each."""
    clips = [0.3 * np.random.default_rng(seed).standard_normal(samples).astype(np.float32) for seed, samples in ((0, 66150), (1, 55125))]
    raw = write_synthetic_raw(tmp_path / "raw", clips, np.array([0, 1]), ["blues/a.wav", "jazz/b.wav"], 22050)
    featurize_pretrained(name="musicnn", raw_dir=raw, out_dir=tmp_path / "musicnn")

    resampled = [soxr.resample(clip, 22050, 16000) for clip in clips]
    assert [len(clip) for clip in resampled] == [48000, 40000]
    offsets = np.load(tmp_path / "musicnn" / "offsets.npy")
    assert offsets.tolist() == [0, 1 + 48000 // 256, 1 + 48000 // 256 + 1 + 40000 // 256]
    np.testing.assert_array_equal(np.load(tmp_path / "musicnn" / "log_mel.npy"), np.concatenate([log_mel(clip) for clip in resampled]))
    assert load_decoded(raw / "audio").sample_rate == 22050, "the raw data stays as it is"


def test_the_committed_params_and_the_defaults_are_accepted():
    assert ProbeConfig.from_params("musicnn", {}) == ProbeConfig()
    committed = read_committed_yaml("params.yaml")["transfer"]
    assert committed["models"] == [], "off by default: the Drive data has no audio"
    config = ProbeConfig.from_params("musicnn", committed["musicnn"])
    assert config.embedding == ("mean_pool", "max_pool") and config.checkpoint == "MSD_musicnn"
    assert ProbeConfig.from_params("musicnn", {"embedding": ["penultimate"], "checkpoint": "MTT_musicnn", "dropout": 0}).dropout == 0


BAD_PROBE_PARAMS = {  # the block: what the one line says, after "params.yaml "
    "unknown key": ({"epoch": 5}, r"transfer\.musicnn has unknown keys \['epoch'\]"),
    "checkpoint": ({"checkpoint": "nope"}, r"transfer\.musicnn\.checkpoint 'nope' is unknown; valid checkpoints are \['MSD_musicnn', 'MTT_musicnn'\]"),
    "embedding part": ({"embedding": ["foo"]}, r"transfer\.musicnn\.embedding must list some of \['mean_pool', 'max_pool', 'penultimate'\]"),
    "no embedding part": ({"embedding": []}, r"transfer\.musicnn\.embedding must list"),
    "embedding part twice": ({"embedding": ["max_pool", "max_pool"]}, r"transfer\.musicnn\.embedding must list .*, each once"),
    "epochs": ({"epochs": 0}, r"transfer\.musicnn\.epochs must be a positive integer, got 0"),
    "window_frames": ({"window_frames": 0}, r"transfer\.musicnn\.window_frames must be a positive integer, got 0"),
    "batch_size": ({"batch_size": 16.0}, r"transfer\.musicnn\.batch_size must be a positive integer"),
    "hidden_units": ({"hidden_units": -1}, r"transfer\.musicnn\.hidden_units must be a non-negative integer"),
    "learning_rate string": ({"learning_rate": "1e-3"}, r"transfer\.musicnn\.learning_rate must be a positive float .* got '1e-3'"),
    "learning_rate negative": ({"learning_rate": -1.0e-3}, r"transfer\.musicnn\.learning_rate must be a positive float"),
    "dropout": ({"dropout": 1.0}, r"transfer\.musicnn\.dropout must be a number in \[0, 1\), got 1\.0"),
    "no mapping": (None, r"transfer\.musicnn must be a mapping"),
}


@pytest.mark.parametrize("block, named", BAD_PROBE_PARAMS.values(), ids=BAD_PROBE_PARAMS.keys())
def test_a_bad_probe_param_is_one_line_naming_its_key(block, named):
    with pytest.raises(UserError, match=r"^params\.yaml " + named):
        ProbeConfig.from_params("musicnn", block)


def test_an_empty_embedding_is_one_line_naming_its_key():
    with pytest.raises(UserError, match=r"transfer\.musicnn\.embedding"):
        ProbeConfig.from_params("musicnn", {"embedding": None})


def test_only_pretrained_networks_of_this_project_have_probes(tmp_path):
    for refused in (lambda: probe_config({"transfer": {"models": ["vggish"]}}, "vggish"),
                    lambda: ProbeConfig.from_params("vggish", {}),
                    lambda: featurize_pretrained(name="vggish", raw_dir=tmp_path / "raw", out_dir=tmp_path / "out")):
        with pytest.raises(UserError, match=r"^params\.yaml transfer\.models: 'vggish' is not a pretrained network .* valid names are \['musicnn'\]"):
            refused()
    assert probe_config({"transfer": {"models": ["musicnn"]}}, "musicnn") == ProbeConfig(), "a missing block takes the defaults"
    assert not (tmp_path / "out").exists()


def test_the_runs_models_are_the_architectures_then_the_probes():
    params = read_committed_yaml("params.yaml")
    params["transfer"]["models"] = ["musicnn"]
    names = model_names(params)
    assert names == [*params["models"], "musicnn"] and len(names) == len(params["models"]) + 1
    with pytest.raises(UserError, match=r"transfer\.models must list pretrained networks that have a block"):
        model_names({"models": {"cnn": {}}, "transfer": {"models": ["vggish"]}})


def trainable_numbers(model: keras.Model) -> int:
    return int(sum(np.prod(weight.shape) for weight in model.trainable_weights))


def test_the_default_probe_is_a_logistic_regression_on_the_standardized_embedding():
    embeddings = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 20)).astype(np.float32)
    probe = build_probe(embeddings, 3, hidden_units=0, dropout=0.0)
    assert [type(layer) for layer in probe.layers] == [layers.InputLayer, layers.Normalization, layers.Dense]
    assert probe.get_layer("probabilities").activation is keras.activations.softmax
    assert trainable_numbers(probe) == 20 * 3 + 3
    standardized = keras.Model(probe.input, probe.get_layer("standardize").output)(embeddings).numpy()
    np.testing.assert_allclose(standardized.mean(axis=0), 0, atol=1e-5)  # the training side's statistics
    np.testing.assert_allclose(standardized.std(axis=0), 1, atol=1e-3)
    np.testing.assert_allclose(probe(embeddings).numpy().sum(axis=1), 1, rtol=1e-6)


def test_a_probe_with_hidden_units_has_a_hidden_relu_layer():
    embeddings = np.random.default_rng(0).normal(size=(64, 20)).astype(np.float32)
    probe = build_probe(embeddings, 3, hidden_units=16, dropout=0.5)
    assert [layer.name for layer in probe.layers] == ["embedding", "standardize", "hidden", "dropout", "probabilities"]
    assert probe.get_layer("hidden").units == 16 and probe.get_layer("hidden").activation is keras.activations.relu
    assert trainable_numbers(probe) == 20 * 16 + 16 + 16 * 3 + 3


def learnable_embeddings(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """count (1506,) float32 embeddings of 2 classes (class 1 shifted by 0.5 in the first 30 numbers) and int32 labels:
    64 of them overfit, so the best validation loss comes in the middle of 8 epochs, before the best accuracy."""
    labels = (np.arange(count) % 2).astype(np.int32)
    embeddings = np.random.default_rng(seed).normal(size=(count, 1506)).astype(np.float32)
    embeddings[:, :30] += 0.5 * labels[:, None]
    return embeddings, labels


def logged(live_dir: Path, metric: str) -> np.ndarray:
    """DVCLive's validation value of metric ("loss", "accuracy") after each epoch."""
    rows = (live_dir / "plots" / "metrics" / "eval" / f"{metric}.tsv").read_text().splitlines()[1:]
    return np.array([float(row.split("\t")[1]) for row in rows])


PROBE_CONFIG = ProbeConfig(epochs=8, batch_size=16, learning_rate=1.0e-3, early_stopping_patience=0)
VAL = learnable_embeddings(32, seed=2)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """Two train_probe runs of the same seed: {run: (metrics, model path, DVCLive directory)}."""
    root, train = tmp_path_factory.mktemp("probe"), learnable_embeddings(64, seed=1)
    return {run: (train_probe(name="musicnn", config=PROBE_CONFIG, train_data=train, val_data=VAL, num_classes=2, seed=7,
                              deterministic=True, model_path=root / run / "musicnn.keras", live_dir=root / run / "live"),
                  root / run / "musicnn.keras", root / run / "live")
            for run in ("first", "again")}


def selected_epoch(live_dir: Path) -> int:
    """The epoch (from 0) of the best validation loss, as DVCLive logged it."""
    losses = logged(live_dir, "loss")
    assert len(losses) == PROBE_CONFIG.epochs
    return int(np.argmin(losses))


@pytest.mark.slow
def test_the_probe_trains_selects_and_saves_a_plain_keras_model_of_windows(trained, tmp_path):
    metrics, model_path, live_dir = trained["first"]
    assert json.loads((live_dir / "metrics.json").read_text())["val_loss_best"] == metrics["val_loss_best"]
    assert {"val_accuracy_best", "best_epoch", "val_loss_best"} <= set(metrics)
    assert metrics["epochs"] == 8 and metrics["parameters"] == 1506 * 2 + 2
    timing = {"train_seconds", "first_epoch_seconds", "seconds_per_epoch", "samples_per_second"}
    assert {key: value for key, value in metrics.items() if key not in timing} == \
        {key: value for key, value in trained["again"][0].items() if key not in timing}, "the same seed, the same metrics"

    # the probe in the file is the selected one: that of the epoch of the best validation loss, not the last
    selected = selected_epoch(live_dir)
    assert 0 < selected < 7, "neither the first nor the last epoch: the selection is tested"
    model = keras.models.load_model(model_path)
    assert window_length(model) == 187 and model.input_shape == (None, 187, 96) and model.output_shape == (None, 2)
    probe = model.get_layer("probe")
    probabilities = probe(VAL[0]).numpy()
    loss = float(keras.losses.sparse_categorical_crossentropy(VAL[1], probabilities).numpy().mean())
    assert loss == pytest.approx(logged(live_dir, "loss")[selected], rel=1e-5) == pytest.approx(metrics["val_loss_best"], rel=1e-5)
    assert np.mean(probabilities.argmax(axis=1) == VAL[1]) == logged(live_dir, "accuracy")[selected]

    # the whole model, loaded as a user without this project loads it: the frozen network's embedding of each window, then that probe
    windows = np.stack([log_mel(0.3 * np.random.default_rng(seed).standard_normal(48000).astype(np.float32))[:187] for seed in range(4)])
    saved, packages = load_without_this_project([model_path], windows, tmp_path)
    assert packages == {"musicnn": ["keras"]}
    np.testing.assert_allclose(saved["musicnn"].sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(saved["musicnn"], probe(embedding_model(PROBE_CONFIG)(windows)).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_the_metrics_describe_the_saved_probe(trained):
    metrics, model_path, live_dir = trained["first"]
    selected = selected_epoch(live_dir)
    probe = keras.models.load_model(model_path).get_layer("probe")
    accuracy = float(np.mean(probe(VAL[0]).numpy().argmax(axis=1) == VAL[1]))
    assert (metrics["selected_epoch"], metrics["val_accuracy_selected"]) == (selected + 1, pytest.approx(accuracy, abs=1e-6))
