"""The shipped spoken-digit classifier (``spoken_digits`` extractor) and the audio metrics it gives."""

from __future__ import annotations

import pytest
import torch

from ganforge.data import DataError
from ganforge.features import get_extractor
from ganforge.features.speech import load_spoken_digits_classifier, speech_features
from ganforge.metrics.evaluate import evaluate


@pytest.fixture(scope="module")
def test_clips():
    from ganforge.audio.data import load_spoken_digits

    try:
        return load_spoken_digits("test", n=100, seed=0)
    except DataError:
        pytest.skip("spoken_digits_16k.npz not found")


def test_the_shipped_weights_are_small_and_record_their_held_out_accuracy():
    from importlib import resources

    path = resources.files("ganforge.features").joinpath("weights").joinpath("spoken_digits.safetensors")
    assert len(path.read_bytes()) < 200_000
    _, meta = load_spoken_digits_classifier()
    assert float(meta["test_accuracy"]) >= 0.85


def test_it_recognises_held_out_voices_and_gives_features_and_logits(test_clips):
    ext = get_extractor("spoken_digits")
    feats = ext(test_clips.data)
    assert feats.features.shape == (100, 64) and feats.logits.shape == (100, 10)
    accuracy = (torch.from_numpy(feats.logits).argmax(1) == test_clips.labels).float().mean()
    assert accuracy >= 0.8
    assert get_extractor("auto", sample_shape=(16384,), data_source="spoken-digits").name == "spoken_digits"


def test_the_features_are_relative_to_the_loudest_cell_and_short_clips_are_padded(test_clips):
    x = test_clips.data[:20]
    loud, quiet = speech_features(x), speech_features(0.25 * x)
    assert torch.allclose(loud.amax(dim=(1, 2, 3)), torch.zeros(20))
    assert torch.allclose(loud, quiet, atol=1e-4)  # clips are peak-normalised first
    ext = get_extractor("spoken_digits")
    assert (ext(x).logits.argmax(1) == ext(0.25 * x).logits.argmax(1)).all()
    assert speech_features(x[:, 100:-100]).shape == loud.shape


def test_it_refuses_images():
    with pytest.raises(DataError, match="takes audio clips"):
        get_extractor("spoken_digits")(torch.zeros(2, 1, 8, 8))


@pytest.mark.filterwarnings("ignore:.*unreliable")  # 50 clips a side: enough to tell speech from noise
def test_real_clips_score_well_and_noise_badly(test_clips):
    x, y = test_clips.data, test_clips.labels
    real = {r["metric"]: r["values"] for r in evaluate(x[:50], x[50:], metrics="fid,is,cond_acc",
                                                        extractor="spoken_digits", fake_labels=y[:50])}
    noise = torch.randn(50, 16384) * 0.1
    bad = {r["metric"]: r["values"] for r in evaluate(noise, x[50:], metrics="fid,is,cond_acc",
                                                       extractor="spoken_digits", fake_labels=y[:50])}
    assert real["cond_acc"]["cond_acc"] >= 0.8 and bad["cond_acc"]["cond_acc"] < 0.4
    assert real["is"]["is"] > 2 * bad["is"]["is"] and real["fid"]["fid"] < bad["fid"]["fid"] / 3
