"""Extractors trained on the user's own data: the classifier, the self-supervised one, the file, the command."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganforge.cli import main
from ganforge.errors import ConfigError, DataError
from ganforge.features import get_extractor
from ganforge.features.train import OwnCNN, nt_xent, save_extractor, train_extractor
from ganforge.metrics import get_metric
from ganforge.training.evaluation import read_results


def stripes(n=80, seed=0):
    """Two classes of 12x12 grey pictures that are not digits: bright left half or bright right half."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randint(0, 60, (n, 1, 12, 12), generator=g, dtype=torch.uint8)
    x[y == 0, :, :, :6] += 150
    x[y == 1, :, :, 6:] += 150
    return x, y


def test_a_classifier_trained_on_the_data_loads_via_its_path_and_serves_cond_acc(tmp_path):
    x, y = stripes()
    model, meta = train_extractor(x, y, steps=15, batch_size=32, size=16, source="stripes", progress=None)
    path = save_extractor(model, meta, tmp_path / "stripes.pt")
    ext = get_extractor(str(path))
    assert ext.metadata["kind"] == "classifier" and ext.metadata["n_classes"] == 2
    assert ext.metadata["input_size"] == [1, 16, 16] and ext.metadata["trained_on"] == "stripes"
    f = ext(x)
    assert f.features.shape == (80, 128) and f.logits.shape == (80, 2) and f.extractor.startswith("stripes-")
    rgb = ext(x.repeat(1, 3, 1, 1))  # any channels and size: converted inside the network
    assert np.allclose(rgb.features, f.features, atol=1e-4)
    with pytest.warns(UserWarning, match="cond_acc from 80 generated samples is unreliable"):
        rec = get_metric("cond_acc")(x, y, extractor=str(path))
    assert rec["values"]["cond_acc"] >= 0.9 and rec["extractor"] == f.extractor  # an easy task, learnt
    assert get_metric("cond_acc")(x, 1 - y, extractor=str(path))["values"]["cond_acc"] <= 0.1


def test_without_labels_the_extractor_is_self_supervised_and_has_no_logits(tmp_path):
    x, _ = stripes(40)
    model, meta = train_extractor(x, None, steps=2, batch_size=16, size=16, progress=None)
    assert meta["kind"] == "contrastive" and meta["n_classes"] == 0
    ext = get_extractor(str(save_extractor(model, meta, tmp_path / "ssl.pt")))
    f = ext(x)
    assert f.features.shape == (40, 128) and f.logits is None
    with pytest.raises(DataError, match="has no logits"):
        get_metric("cond_acc")(x, torch.zeros(40, dtype=torch.long), extractor=str(tmp_path / "ssl.pt"))


def test_nt_xent_rewards_views_that_match_their_partner():
    z = torch.eye(8) * 3  # orthogonal unit directions: similarity 1 with the partner, 0 with the 14 others
    assert float(nt_xent(z, z, temperature=0.2)) == pytest.approx(math.log(1 + 14 * math.exp(-5)), rel=1e-5)
    assert nt_xent(z, z.roll(1, 0)) > 5  # partners that do not match


def test_bad_training_input_is_refused(tmp_path):
    x, y = stripes(20)
    with pytest.raises(DataError, match="single class"):
        train_extractor(x, torch.zeros(20, dtype=torch.long), steps=1, progress=None)
    with pytest.raises(DataError, match="takes images"):
        train_extractor(torch.zeros(20, 3), None, steps=1, progress=None)
    with pytest.raises(ValueError, match="multiple of 8"):
        OwnCNN(size=20)
    with pytest.raises(ConfigError, match="the steps must be positive; got 0"):
        train_extractor(x, y, steps=0, progress=None)


def test_features_train_command_end_to_end(tmp_path, capsys):
    x, y = stripes()
    np.savez(tmp_path / "stripes.npz", images=x.numpy(), labels=y.numpy())
    out = tmp_path / "extractor.pt"
    assert main(["features", "train", str(tmp_path / "stripes.npz"), "--out", str(out), "--steps", "3",
                 "--size", "16", "--batch-size", "16"]) == 0
    printed = capsys.readouterr().out
    assert "training a classifier of 2 classes on 80 images" in printed and "step 3/3" in printed
    assert f"--features {out}" in printed
    meta = get_extractor(str(out)).metadata
    assert meta["kind"] == "classifier" and meta["ganforge_version"] and meta["steps"] == 3
    results = tmp_path / "r.jsonl"
    assert main(["evaluate", "--real", str(tmp_path / "stripes.npz"), "--fake", str(tmp_path / "stripes.npz"),
                 "--features", str(out), "--metrics", "fid,cond_acc", "--out", str(results)]) == 0
    fid, acc = read_results(results)
    assert fid["extractor"].startswith("extractor-") and fid["values"]["fid"] == pytest.approx(0, abs=1e-6)
    assert "unreliable" in fid["warnings"][0] and 0 <= acc["values"]["cond_acc"] <= 1
    # the same command overwrites its own file, never someone else's
    assert main(["features", "train", str(tmp_path / "stripes.npz"), "--out", str(out), "--steps", "1",
                 "--size", "16", "--self-supervised"]) == 0
    (tmp_path / "mine.pt").write_text("precious")
    assert main(["features", "train", str(tmp_path / "stripes.npz"), "--out", str(tmp_path / "mine.pt")]) == 2
    assert "not recognisably an extractor ganforge wrote" in capsys.readouterr().err
    assert (tmp_path / "mine.pt").read_text() == "precious"
