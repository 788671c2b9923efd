"""The held-out check of `ganforge augment`: baselines, the filter, the choice, and the split the GAN never sees."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ganforge.applications import gate
from ganforge.applications.enlarge import augment, plan_additions
from ganforge.data import load_dataset
from ganforge.data.holdout import stratified_holdout
from ganforge.errors import ConfigError


_train_judge = gate.train_judge


def gate_judge(images, labels, seed=0, steps=None, time_budget=30.0):
    return _train_judge(images, labels, seed, steps=5)  # a few steps: this test is about the data flow


class Brightness(nn.Module):
    """A stand-in judge: class 1 is bright, class 0 dark; its one feature is the mean brightness."""

    def forward(self, x):
        feats = x.mean((1, 2, 3))[:, None]
        return feats, torch.cat([-8 * feats, 8 * feats], 1)


def images(values):
    return torch.tensor(values, dtype=torch.uint8)[:, None, None, None].expand(-1, 1, 4, 4).contiguous()


def test_the_filter_keeps_what_the_judge_reads_as_its_class_and_what_lies_near_real_images():
    real = images([10, 20, 30, 40, 215, 225, 235, 245])
    fake = images([25, 230, 220, 35, 150, 100])  # good, good, wrong label, wrong label, then two far from real
    labels = torch.tensor([0, 1, 0, 1, 1, 0])
    keep, report = gate.filter_synthetic(Brightness(), real, fake, labels)
    assert keep.tolist() == [True, True, False, False, False, False]
    assert report["accepted"] == 2 and report["acceptance"] == pytest.approx(2 / 6, abs=1e-4)
    assert report["classifier_agrees"] == pytest.approx(4 / 6, abs=1e-4)  # 150 reads as bright, 100 as dark


def test_filtered_draws_again_for_short_classes_and_tops_up_below_the_bar():
    real = images([10, 20, 30, 40, 215, 225, 235, 245])
    calls = []

    def draw(counts):  # class 0 always good; class 1 always mislabelled dark images
        calls.append(list(counts))
        labels = torch.cat([torch.full((m,), c) for c, m in enumerate(counts)])
        values = [25 if c == 0 else 30 for c in labels.tolist()]
        return images(values), labels, torch.full((len(labels),), -1)

    (imgs, labels, _), report = gate.filtered(draw, Brightness(), real, [3, 2], rounds=3)
    assert calls == [[6, 4], [0, 4], [0, 4]]  # class 1 is drawn again while short
    assert torch.bincount(labels).tolist() == [3, 2] and report["below_bar"] == 2


def test_baseline_copies_come_from_their_own_class():
    data = load_dataset("digits")
    x, y = data.data[:100], data.labels[:100]
    for make in (gate.classical_copies, gate.oversampled_copies):
        imgs, labels, src = make(x, y, [3] * 10, seed=0)
        assert torch.bincount(labels, minlength=10).tolist() == [3] * 10 and torch.equal(y[src], labels)
    imgs, _, src = gate.oversampled_copies(x, y, [3] * 10)
    assert torch.equal(imgs, x[src])
    imgs, _, src = gate.classical_copies(x, y, [3] * 10)
    assert imgs.dtype == torch.uint8 and not torch.equal(imgs, x[src])


@pytest.mark.heavy
def test_synthetic_data_that_hurts_loses_to_the_baselines():
    data = load_dataset("digits")
    kept, held = stratified_holdout(data.labels, 0.3, seed=0)
    train = (data.data[kept][:150], data.labels[kept][:150])
    held_out = (data.data[held][:200], data.labels[held][:200])
    # Real images, each labelled as the next digit: as many wrong labels as right ones, so the judge drops from
    # F1 0.83 to 0.32 within 30 steps (shuffled labels, which are right 1 time in 10 and so hurt less, needed 60).
    bad = (train[0], (train[1] + 1) % 10, torch.full((len(train[1]),), -1))
    empty = (train[0][:0], train[1][:0], torch.empty(0, dtype=torch.int64))
    kw = dict(num_classes=10, steps=30)
    scores = {"real only": gate.score_candidate(train, empty, held_out, **kw)[0],
              "cgan": gate.score_candidate(train, bad, held_out, **kw)[0]}
    assert scores["cgan"].macro_f1 < scores["real only"].macro_f1
    chosen, reason = gate.choose(scores, "cgan")
    assert chosen == "real only" and "does not beat real only" in reason
    assert gate.choose(scores, "cgan", force=True)[0] == "cgan"


def test_a_better_candidate_is_chosen():
    s = lambda f1: gate.Scores(f1, f1, f1)  # noqa: E731
    assert gate.choose({"real only": s(0.8), "random oversampling": s(0.85), "dagan": s(0.9)}, "dagan")[0] == "dagan"
    assert gate.choose({"real only": s(0.8), "random oversampling": s(0.9), "dagan": s(0.9)},
                       "dagan")[0] == "random oversampling"  # a tie goes to the baseline


def test_each_data_set_that_adds_images_keeps_its_best_share_of_the_plan(monkeypatch):
    assert gate.scaled([10, 0, 3, 1], 0.5) == [5, 0, 2, 1]  # a planned class keeps at least one image

    def score(train, additions, held_out, **kw):  # best with 10 added images, whoever made them
        f = 1 / (1 + abs(len(additions[1]) - 10))
        return gate.Scores(f, f, f), "judge"

    monkeypatch.setattr(gate, "score_candidate", score)
    monkeypatch.setattr(gate, "filter_synthetic",
                        lambda judge, real, x, y, **kw: (torch.ones(len(y), dtype=torch.bool), {"generated": len(y),
                                                         "accepted": len(y), "acceptance": 1.0, "classifier_agrees": 1.0,
                                                         "realistic": 1.0, "by_class": {}}))
    monkeypatch.setattr(gate, "_logits", lambda judge, x: (None, torch.zeros(len(x), 2)))
    x = images([10, 20, 200, 210])
    y = torch.tensor([0, 0, 1, 1])

    def draw(counts):
        labels = torch.cat([torch.full((m,), c) for c, m in enumerate(counts)])
        return images([100] * len(labels)), labels, torch.full((len(labels),), -1)

    result = gate.run_gate((x, y), (x, y), [10, 10], num_classes=2, synthesize=draw, candidate="cgan",
                           mixes=(0.25, 0.5, 1.0))
    assert result["mix"] == {"classical augmentation": 0.5, "random oversampling": 0.5, "cgan": 0.5}
    assert set(result["by_mix"]["cgan"]) == {0.25, 0.5, 1.0}
    assert result["scores"]["cgan"] == result["by_mix"]["cgan"][0.5] and result["scores"]["cgan"].macro_f1 == 1.0


def test_augment_holds_out_a_stratified_share_that_the_gan_never_trains_on(tmp_path, monkeypatch):
    monkeypatch.setattr(gate, "train_judge", gate_judge)
    from ganforge.runs.experiment import config_from, load_data

    x = load_dataset("digits")
    np_path = tmp_path / "d.npz"
    import numpy as np

    np.savez(np_path, images=x.data[:120].numpy(), labels=x.labels[:120].numpy())
    overrides = [{"train": {"steps": 2, "batch_size": 8, "progress": False, "tensorboard": False,
                            "sample_every": 2, "checkpoint_every": 2}, "model": {"width": 8}}]
    summary = augment(np_path, tmp_path / "out", per_class=14, train_out=str(tmp_path / "run"), overrides=overrides,
                      validation=0.25, seed=3, progress=None)
    check = summary["validation"]
    _, held = stratified_holdout(x.labels[:120], 0.25, 3)
    assert check["held_out"] == len(held) and set(check["scores"]) == {*gate.BASELINES, "cgan"}
    assert summary["handed_over"] == check["chosen"] and "filter_on_training_part" in check
    import yaml

    cfg = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert cfg["data"]["holdout"] == 0.25 and cfg["data"]["holdout_seed"] == 3
    trained_on = load_data(config_from(cfg))
    assert len(trained_on) == 120 - len(held)
    held_images = {bytes(img.numpy()) for img in x.data[:120][held]}
    assert not any(bytes(img.numpy()) in held_images for img in trained_on.data)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["validation"]["chosen"] == summary["handed_over"]
    mix = check["mix"].get(summary["handed_over"], 1.0)  # the share chosen on the held-out images is written
    assert set(check["by_mix"]["cgan"]) == {str(m) for m in gate.MIXES} and summary["mix"] == mix
    if summary["handed_over"] != "real only":
        plan = plan_additions(torch.bincount(x.labels[:120], minlength=10).tolist(), per_class=14)
        assert [c["synthetic"] for c in summary["classes"]] == gate.scaled(plan, mix)
    with pytest.raises(ConfigError, match="--mix"):
        augment(np_path, tmp_path / "out2", per_class=14, mix=1.5, progress=None)
