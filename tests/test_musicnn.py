"""The musicnn port: its input representation against librosa, and its network against the original TF1 graph
restored from the checkpoint's own .meta file, on the same patches."""

import keras
import librosa
import numpy as np
import pytest
import tensorflow as tf
from conftest import sine

from gtzan.errors import UserError
from gtzan.musicnn import (
    CHECKPOINTS,
    MusicnnInput,
    build_musicnn,
    checkpoint_prefix,
    load_musicnn,
    log_mel,
    mel_filterbank,
    read_checkpoint,
)
from gtzan.synthetic import render_song

SETTINGS = MusicnnInput()
SAMPLE_RATE = SETTINGS.sample_rate
OUTPUT_SIZES = {"logits": 50, "mean_pool": 753, "max_pool": 753, "penultimate": 200}
CHECKPOINT_NUMBERS = 792_079  # the sizes of the checkpoint's 64 model variables, summed

# The original graph's tensors, found by listing the imported graph's operations. The .meta is the training
# graph: it has no squeezes of the pools, so mean_pool and max_pool come out as (batch, 753, 1).
ORIGINAL_INPUT = "model/Placeholder:0"  # (batch, 187, 96) log-mel patches
ORIGINAL_TRAINING = "model/Placeholder_2:0"  # is_training: batch norm and dropout
ORIGINAL_OUTPUTS = {
    "logits": "model/dense_1/BiasAdd:0",  # the output dense layer, before the sigmoid (model/Sigmoid)
    "mean_pool": "model/moments/Squeeze:0",  # tf.nn.moments' mean over time
    "max_pool": "model/Max:0",  # tf.reduce_max over time
    "penultimate": "model/batch_normalization_10/batchnorm/add_1:0",  # batch norm of the dense 200
}


def original_outputs(checkpoint: str, patches: np.ndarray) -> dict[str, np.ndarray]:
    """The original network's outputs, from the checkpoint's .meta graph and weights, in inference mode."""
    prefix = checkpoint_prefix(checkpoint)
    meta_graph = tf.compat.v1.MetaGraphDef()
    with open(prefix + ".meta", "rb") as file:
        meta_graph.ParseFromString(file.read())
    for node in meta_graph.graph_def.node:
        node.attr.pop("_output_shapes", None)  # TensorFlow 2.21 refuses to import them
        if "seed2" in node.attr:  # dropout's random ops, unused at inference: op determinism (which the training
            node.attr["seed2"].i = 1  # tests in this process may have turned on) refuses them unseeded
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        saver = tf.compat.v1.train.import_meta_graph(meta_graph)
        saver.restore(session, prefix)
        outputs = session.run(ORIGINAL_OUTPUTS, feed_dict={ORIGINAL_INPUT: patches, ORIGINAL_TRAINING: False})
    return {name: value.reshape(len(patches), -1) for name, value in outputs.items()}


@pytest.fixture(scope="module")
def patches() -> np.ndarray:
    """(7, 187, 96): two consecutive 3 s patches of each of three synthetic songs, and one of seeded noise."""
    cut = []
    for genre_index in (0, 3, 6):
        song = render_song(genre_index, np.random.default_rng(genre_index), SAMPLE_RATE, 6 * SAMPLE_RATE)
        spectrogram = log_mel(song)  # (376, 96)
        cut += [spectrogram[:187], spectrogram[187:374]]
    noise = 0.1 * np.random.default_rng(99).standard_normal(3 * SAMPLE_RATE).astype(np.float32)
    cut.append(log_mel(noise)[:187])
    return np.stack(cut)


@pytest.mark.parametrize("checkpoint", CHECKPOINTS)
def test_the_port_reproduces_the_original_graph(checkpoint, patches):
    """Every output within atol = 1e-5 x its largest magnitude over the batch (rtol 0). Both sides compute
    in float32 (eps 1.2e-7) with different op orders (oneDNN's convolutions, Keras' batch norm) over sums of
    up to 3,927 terms; measured: at most 2.5e-6 x scale (logits 5e-7 and 9e-7, mean_pool 1.2e-6 and 1.6e-6,
    max_pool 1.0e-6 and 2.5e-6, penultimate 1.0e-6 and 1.5e-6, MSD and MTT). A wrong weight, padding or
    pooling order is off by far more than that."""
    expected = original_outputs(checkpoint, patches)
    ported = {name: value.numpy() for name, value in load_musicnn(checkpoint)(patches).items()}
    assert set(ported) == set(expected)
    for name, value in expected.items():
        scale = np.abs(value).max()
        np.testing.assert_allclose(ported[name], value, rtol=0, atol=1e-5 * scale, err_msg=f"{checkpoint} {name}")


def librosa_log_mel(audio: np.ndarray) -> np.ndarray:
    """The reference, in float64: (frames, mel_bands)."""
    mel = librosa.feature.melspectrogram(y=audio.astype(np.float64), sr=SAMPLE_RATE, n_fft=512, hop_length=256, n_mels=96)
    return np.log10(1 + 10000 * mel.T)


def test_the_filterbank_is_librosas():
    expected = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=512, n_mels=96).T  # (257, 96)
    filterbank = mel_filterbank(SETTINGS)
    assert filterbank.dtype == np.float32
    np.testing.assert_allclose(filterbank, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "name, audio",
    [
        ("1 kHz sine", sine(1000, 3, SAMPLE_RATE)),
        ("seeded noise", 0.3 * np.random.default_rng(0).standard_normal(3 * SAMPLE_RATE + 100).astype(np.float32)),
        ("music", render_song(2, np.random.default_rng(2), SAMPLE_RATE, 3 * SAMPLE_RATE)),
    ],
)
def test_log_mel_is_librosas_in_float32(name, audio):
    """Within 1e-5 (values up to about 6): the float32 computation differs from librosa's float64 by at most
    7e-7 on these signals."""
    expected = librosa_log_mel(audio)
    computed = log_mel(audio)
    assert computed.dtype == np.float32
    assert computed.shape == expected.shape == (1 + len(audio) // 256, 96)
    np.testing.assert_allclose(computed, expected, rtol=0, atol=1e-5, err_msg=name)


def test_a_1_khz_sine_peaks_in_the_band_centred_nearest_1_khz():
    centres = librosa.mel_frequencies(n_mels=96 + 2, fmin=0, fmax=SAMPLE_RATE / 2)[1:-1]  # (96,) Hz
    spectrogram = log_mel(sine(1000, 3, SAMPLE_RATE))  # (188, 96)
    loudest = np.argmax(spectrogram[5:-5], axis=1)  # frames away from the zero-padded edges
    assert set(loudest) == {np.argmin(np.abs(centres - 1000))}


def test_silence_is_zero():
    np.testing.assert_array_equal(log_mel(np.zeros(SAMPLE_RATE, np.float32)), np.zeros((63, 96), np.float32))


def test_loud_audio_stays_finite_where_the_original_float16_cast_overflows():
    """musicnn's extractor computes np.log10(10000 * mel.astype(np.float16) + 1): the product stays float16
    and overflows (65504) wherever the mel power exceeds 6.55, as it does on loud music."""
    square = np.sign(sine(440, 3, SAMPLE_RATE, amplitude=1.0))  # full scale
    expected = librosa_log_mel(square)
    mel_power = (10**expected - 1) / 10000
    assert 10000 * mel_power.max() > np.finfo(np.float16).max
    with np.errstate(over="ignore"):
        assert np.isinf(np.log10(10000 * mel_power.astype(np.float16) + 1)).any(), "the original's float16 overflows"
    computed = log_mel(square)
    assert np.isfinite(computed).all()
    np.testing.assert_allclose(computed, expected, rtol=0, atol=1e-5)


def test_the_input_representation_derives_its_sizes():
    assert SETTINGS.fft_bins == 257
    assert SETTINGS.frames_per_second == 62.5
    assert SETTINGS.patch_seconds == pytest.approx(2.992)
    with pytest.raises(UserError, match="MusicnnInput.hop"):
        MusicnnInput(hop=0)
    with pytest.raises(UserError, match="mono"):
        log_mel(np.zeros((2, 100), np.float32))


def test_the_checkpoint_holds_the_64_model_variables():
    variables = read_checkpoint("MSD_musicnn")
    assert len(variables) == 64
    assert not [name for name in variables if "Adam" in name or "power" in name]
    assert variables["conv2d_5/kernel"].shape == (7, 561, 1, 64)  # the mid-end's first conv over (time, channels)
    assert sum(value.size for value in variables.values()) == CHECKPOINT_NUMBERS


def test_an_unknown_checkpoint_is_a_user_error_naming_the_valid_ones():
    with pytest.raises(UserError, match="MSD_musicnn.*MTT_musicnn"):
        checkpoint_prefix("nope")
    assert checkpoint_prefix("MTT_musicnn").endswith("/musicnn/MTT_musicnn/")


@pytest.mark.parametrize("patch_frames", [187, 94])
def test_build_musicnn_gives_the_four_outputs_and_the_checkpoints_size(patch_frames):
    model = build_musicnn(patch_frames)
    assert model.name == "musicnn"
    assert model.input_shape == (None, patch_frames, 96)
    outputs = model(np.zeros((2, patch_frames, 96), np.float32))
    assert {name: tuple(value.shape) for name, value in outputs.items()} == {
        name: (2, size) for name, size in OUTPUT_SIZES.items()
    }
    assert model.count_params() == CHECKPOINT_NUMBERS  # batch norms' moving statistics included
    assert {type(layer).__module__.split(".")[0] for layer in model.layers} == {"keras"}


def test_frozen_its_pools_ignore_the_training_flag_but_its_dropout_does_not(patches):
    """trainable=False keeps every batch norm on its moving statistics, so mean_pool and max_pool (before any
    dropout) are the same in a probe's fit. The back-end's two Dropout(0.5) still fire when called with
    training=True (Keras 3 passes an outer fit's flag even over a nested call's training=False), so the
    penultimate features for a probe trained through musicnn are taken with predict, not inside fit."""
    model = load_musicnn()
    model.trainable = False
    inference, training = model(patches, training=False), model(patches, training=True)
    for name in ("mean_pool", "max_pool"):
        np.testing.assert_array_equal(training[name].numpy(), inference[name].numpy(), err_msg=name)
    assert not np.allclose(training["penultimate"].numpy(), inference["penultimate"].numpy())


def test_the_loaded_model_survives_a_keras_round_trip(tmp_path, patches):
    model = load_musicnn()
    model.save(tmp_path / "musicnn.keras")
    loaded = keras.models.load_model(tmp_path / "musicnn.keras")  # safe_mode, no custom_objects
    expected, reloaded = model(patches), loaded(patches)
    for name in OUTPUT_SIZES:
        np.testing.assert_array_equal(reloaded[name].numpy(), expected[name].numpy(), err_msg=name)
