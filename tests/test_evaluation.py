"""Evaluation around training and on saved runs: callbacks, best checkpoint, early stopping, reference cache,
`ganforge evaluate`, and bad input that must not touch earlier results."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from conftest import tiny_image_config
from ganforge.cli import main
from ganforge.config import ConfigError
from ganforge.runs.experiment import load_run, train
from ganforge.metrics.evaluate import TrainingEvaluator
from ganforge.runs.evaluate import evaluate_run, training_callbacks
from ganforge.metrics.reference import ReferenceCache
from ganforge.training import Callback, load_checkpoint
from ganforge.training.evaluation import BestCheckpoint, EarlyStopping, PeriodicEvaluation, read_results


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def scripted(values):
    """An evaluation function that returns the next value of ``values`` as metric "val"."""
    it = iter(values)
    return lambda gan: [{"metric": "val", "values": {"val": next(it)}, "n_fake": 1}]


def callbacks_for(values, patience=2):
    ev = PeriodicEvaluation(scripted(values), every=2)
    return ev, [ev, BestCheckpoint(ev, "val"), EarlyStopping(ev, "val", patience=patience)]


def test_best_checkpoint_and_early_stopping_follow_the_metric(tmp_path):
    run = tmp_path / "run"
    ev, cbs = callbacks_for([5.0, 3.0, 4.0, 4.0, 9.0])
    trainer = train(tiny_image_config(steps=20), out=run, callbacks=cbs)
    assert trainer.step == 8 and "early stopping: val has not improved" in trainer.stop_reason
    best = json.loads((run / "checkpoints" / "best.json").read_text())
    assert best == {"metric": "val", "mode": "min", "value": 3.0, "step": 4, "checkpoint": "best.pt"}
    assert load_checkpoint(run / "checkpoints" / "best.pt")["step"] == 4  # a full checkpoint of that step
    load_run(run, checkpoint="best")
    records = read_results(run / "evaluation.jsonl")
    assert [(r["step"], r["values"]["val"]) for r in records] == [(2, 5.0), (4, 3.0), (6, 4.0), (8, 4.0)]
    logged = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["eval/val"] for r in logged if "eval/val" in r] == [5.0, 3.0, 4.0, 4.0]  # the metric curve
    assert ev.last == {"eval/val": 4.0}

    # Resuming rebuilds the early-stopping state from evaluation.jsonl: one more bad evaluation stops again.
    ev2, cbs2 = callbacks_for([3.5])
    trainer = train(resume=run, overrides=[{"train": {"steps": 20}}], callbacks=cbs2)
    assert trainer.step == 10 and cbs2[2].bad == 3 and cbs2[1].best == 3.0
    assert len(read_results(run / "evaluation.jsonl")) == 5  # appended, nothing rewritten


def test_an_improving_metric_moves_the_best_checkpoint_and_a_failing_one_only_warns(tmp_path):
    run = tmp_path / "run"
    ev, cbs = callbacks_for([5.0, 3.0, 2.0], patience=5)
    train(tiny_image_config(steps=6), out=run, callbacks=cbs)
    assert json.loads((run / "checkpoints" / "best.json").read_text())["step"] == 6

    def broken(gan):
        raise RuntimeError("boom")

    with pytest.warns(UserWarning, match="evaluation at step 2 failed: RuntimeError: boom"):
        trainer = train(tiny_image_config(steps=2), out=tmp_path / "run2", callbacks=[PeriodicEvaluation(broken, 2)])
    assert trainer.step == 2


def test_eval_config_trains_with_digits_fd_and_keeps_the_best(tmp_path, cache_dir):
    cfg = tiny_image_config(steps=4)
    cfg["eval"] = {"every": 2, "metrics": "fid,kid", "n": 40, "kid_subsets": 3, "reference_n": 300, "monitor": "fid"}
    run = tmp_path / "run"
    trainer = train(cfg, out=run)
    records = read_results(run / "evaluation.jsonl")
    assert [(r["metric"], r["step"]) for r in records] == [("fid", 2), ("kid", 2), ("fid", 4), ("kid", 4)]
    fid = records[0]
    assert fid["extractor"] == "digits8" and fid["n_fake"] == 40 and fid["n_real"] == 300
    assert fid["input_size"] == [1, 8, 8] and fid["values"]["fid"] > 0
    assert (run / "checkpoints" / "best.pt").is_file()
    assert len(list(cache_dir.glob("reference/*.npz"))) == 1  # reference features computed once, cached
    best = next(c for c in trainer.callbacks if isinstance(c, BestCheckpoint))
    assert best.evaluation.last_step == 4 and best.best_step in (2, 4)


def test_eval_config_errors_name_the_key():
    with pytest.raises(ConfigError, match="eval.metrics: unknown metric 'fd'"):
        train({**tiny_image_config(), "eval": {"every": 2, "metrics": "fd"}})
    with pytest.raises(ConfigError, match="eval.metrics: 'tabular_shape' does not apply to a training run"):
        train({**tiny_image_config(), "eval": {"every": 2, "metrics": "tabular_shape"}})
    with pytest.raises(ConfigError, match="eval.monitor: 'precision' is not a value"):
        train({**tiny_image_config(), "eval": {"every": 2, "metrics": "fid", "monitor": "precision"}})


def test_training_callbacks_pick_the_direction_from_the_metric():
    from ganforge.config import EvalConfig
    from ganforge.data import load_dataset

    ds = load_dataset("digits")
    cbs = training_callbacks(EvalConfig(every=5, metrics="pr", monitor="recall", patience=3), ds)
    assert [type(c).__name__ for c in cbs] == ["PeriodicEvaluation", "BestCheckpoint", "EarlyStopping"]
    assert cbs[1].mode == cbs[2].mode == "max"
    assert training_callbacks(EvalConfig(), ds) == []


class Snapshot(Callback):
    """The bytes of a run file after each step (None while it does not exist)."""

    def __init__(self, name):
        self.name, self.seen = name, {}

    def on_step_end(self, trainer, step):
        path = trainer.run_dir / self.name
        self.seen[step] = path.read_bytes() if path.exists() else None


def test_eval_curves_are_redrawn_after_each_evaluation_with_the_best_marked(tmp_path):
    from ganforge.plots import MARK

    snap = Snapshot("eval_curves.png")
    ev, cbs = callbacks_for([5.0, 3.0, 4.0], patience=5)
    train(tiny_image_config(steps=6), out=tmp_path / "run", callbacks=[*cbs, snap])
    assert snap.seen[1] is None and snap.seen[2] is not None and snap.seen[3] == snap.seen[2]
    assert snap.seen[4] != snap.seen[2] and snap.seen[6] != snap.seen[4]  # rewritten after each evaluation
    assert ev.best() == (4, 3.0)
    img = np.asarray(Image.open(tmp_path / "run" / "eval_curves.png").convert("RGB"), int)
    assert (np.abs(img - MARK).max(-1) <= 10).sum() > 50  # the best step's marker
    assert not list((tmp_path / "run").glob(".eval_curves*"))  # written atomically, no temporary left


def test_a_run_with_mode_coverage_writes_eval_curves(tmp_path):
    cfg = tiny_image_config(steps=4)
    cfg["data"] = {"source": "ring8"}
    cfg["model"] = {"arch": "mlp", "latent_dim": 2, "width": 16}
    cfg["eval"] = {"every": 2, "metrics": "mode_coverage", "n": 200, "monitor": "modes_covered"}
    train(cfg, out=tmp_path / "run")
    with Image.open(tmp_path / "run" / "eval_curves.png") as img:
        img.verify()  # a valid PNG
        assert img.format == "PNG" and img.width > 400


# ----------------------------------------------------------------------------------- reference cache

def test_reference_cache_hits_bit_for_bit_and_never_serves_stale_data(tmp_path):
    from ganforge.features import get_extractor

    data = torch.randint(0, 256, (50, 1, 8, 8), dtype=torch.uint8)
    ext = get_extractor("digits8")
    first = ReferenceCache(tmp_path).features(data, "toy", ext)
    again = ReferenceCache(tmp_path)
    second = again.features(data, "toy", ext)
    assert again.hits == 1 and np.array_equal(first.features, second.features)
    assert np.array_equal(first.logits, second.logits)
    changed = data.clone()
    changed[0, 0, 0, 0] ^= 1  # one pixel of one image
    third = ReferenceCache(tmp_path)
    third.features(changed, "toy", ext)
    assert third.misses == 1 and len(list(tmp_path.glob("*.npz"))) == 2
    fp32, bf16 = get_extractor("digits8", precision="fp32"), get_extractor("digits8", precision="bf16")
    assert fp32.fingerprint() != bf16.fingerprint()  # precision is part of the key


# ----------------------------------------------------------------------------------- ganforge evaluate

@pytest.fixture
def trained_run(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_image_config(steps=4)))
    run = tmp_path / "run"
    assert main(["train", str(path), "--out", str(run)]) == 0
    return run


def test_evaluate_a_run_prints_a_table_and_appends_results(trained_run, capsys):
    args = ["evaluate", str(trained_run), "--n", "60", "--metrics", "fid,pr,is", "--reference-n", "200"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "fid" in out and "precision" in out and "digits8 (1x8x8" in out and "evaluation.jsonl" in out
    results = trained_run / "evaluation.jsonl"
    first = results.read_text()
    records = read_results(results)
    assert [r["metric"] for r in records] == ["fid", "pr", "is"]
    assert all(r["step"] == 4 and r["checkpoint"] == "last.pt" and r["n_fake"] == 60 for r in records)
    assert records[0]["n_real"] == 200
    assert main([*args, "--checkpoint", "4"]) == 0  # a step number finds the checkpoint of that step
    assert results.read_text().startswith(first) and len(read_results(results)) == 6


@pytest.mark.parametrize("args, message", [
    (["--metrics", "fid,fd"], "unknown metric 'fd'"),
    (["--features", "vgg16"], "unknown feature extractor 'vgg16'"),
    (["--checkpoint", "best"], "checkpoint not found"),
    (["--checkpoint", "99"], "no checkpoint of step 99"),
    (["--n", "1"], "--n must be >= 2"),
    (["--real", "x.npy"], "not both"),
])
def test_evaluate_bad_input_is_a_clear_error_and_keeps_earlier_results(trained_run, capsys, args, message):
    results = trained_run / "evaluation.jsonl"
    results.write_text('{"metric": "fid", "step": 1}\n')
    assert main(["evaluate", str(trained_run), *args]) == 2
    assert message in capsys.readouterr().err
    assert results.read_text() == '{"metric": "fid", "step": 1}\n'


def test_evaluate_refuses_a_run_folder_given_as_samples(trained_run, capsys):
    assert main(["evaluate", "--real", "digits", "--fake", str(trained_run)]) == 2
    assert "is a training run, not a set of samples" in capsys.readouterr().err


def test_evaluate_missing_run_and_broken_generator(trained_run, tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nowhere")]) == 2
    assert "run folder not found" in capsys.readouterr().err
    state = torch.load(trained_run / "checkpoints" / "last.pt", weights_only=True)
    for sd in [state["networks"]["generator"], *state.get("averaged", {}).values()]:
        weight = next(k for k, v in sd.items() if v.is_floating_point() and v.ndim > 1)
        sd[weight].fill_(float("nan"))
    torch.save(state, trained_run / "checkpoints" / "nan.pt")
    assert main(["evaluate", str(trained_run), "--checkpoint", "nan", "--n", "10"]) == 2
    assert "generator produced NaN" in capsys.readouterr().err
    assert not (trained_run / "evaluation.jsonl").exists()


def test_evaluate_two_sample_sets_without_a_run(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "real.npy", rng.normal(size=(80, 3)).astype(np.float32))
    np.save(tmp_path / "fake.npy", (rng.normal(size=(60, 3)) + 0.5).astype(np.float32))
    out = tmp_path / "res.jsonl"
    assert main(["evaluate", "--real", str(tmp_path / "real.npy"), "--fake", str(tmp_path / "fake.npy"),
                 "--metrics", "fid,kid", "--out", str(out)]) == 0
    assert "identity" in capsys.readouterr().out
    records = read_results(out)
    assert [r["metric"] for r in records] == ["fid", "kid"] and records[0]["n_real"] == 80
    assert records[0]["values"]["fid"] > 0.3

    bad = rng.normal(size=(10, 3)).astype(np.float32)
    bad[3, 0] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    np.save(tmp_path / "img.npy", rng.integers(0, 255, size=(10, 8, 8), dtype=np.uint8))
    for fake, message in [("nan.npy", "NaN"), ("img.npy", "compare images with images"),
                          ("missing.npy", "no such file")]:
        assert main(["evaluate", "--real", str(tmp_path / "real.npy"), "--fake", str(tmp_path / fake),
                     "--out", str(out)]) == 2
        assert message in capsys.readouterr().err
    assert len(read_results(out)) == 2  # the failed calls wrote nothing


def test_evaluate_run_api_uses_the_cache(trained_run):
    cache = ReferenceCache()
    a = evaluate_run(trained_run, metrics="fid", n=30, reference_n=100, cache=cache, write=False)
    b = evaluate_run(trained_run, metrics="fid", n=30, reference_n=100, cache=ReferenceCache(), write=False)
    assert a[0]["values"] == b[0]["values"] and not (trained_run / "evaluation.jsonl").exists()


def test_training_evaluator_uses_fixed_latents():
    from ganforge.data import load_dataset

    ds = load_dataset("digits")
    evaluator = TrainingEvaluator(ds, ["fid"], n=20, reference_n=100)
    from ganforge.runs.experiment import build_gan, config_from

    gan = build_gan(config_from(tiny_image_config()), ds.sample_shape)
    assert evaluator(gan)[0]["values"] == evaluator(gan)[0]["values"]


def test_conditional_runs_are_scored_for_the_labels_they_were_asked_for(tmp_path):
    cfg = tiny_image_config(steps=2)
    cfg["gan"] = {"kind": "cgan"}
    cfg["eval"] = {"every": 2, "metrics": "fid,cond_acc", "n": 30, "reference_n": 100}
    train(cfg, out=tmp_path / "run")
    records = read_results(tmp_path / "run" / "evaluation.jsonl")
    assert [r["metric"] for r in records] == ["fid", "cond_acc"]
    assert 0 <= records[1]["values"]["cond_acc"] <= 1 and records[1]["extractor"] == "digits8"
    again = evaluate_run(tmp_path / "run", metrics="cond_acc", n=30, write=False)
    assert again[0]["n_fake"] == 30


def test_mixture_samples_get_mode_coverage_and_raw_feature_metrics(tmp_path, capsys):
    from ganforge.data import load_dataset

    ring = load_dataset("ring8", n=800, seed=1)
    np.save(tmp_path / "fake.npy", ring.data[:400].numpy())
    assert main(["evaluate", "--real", "ring8", "--fake", str(tmp_path / "fake.npy"),
                 "--metrics", "mode_coverage,fid", "--out", str(tmp_path / "r.jsonl")]) == 0
    cover, fid = read_results(tmp_path / "r.jsonl")
    assert cover["values"]["modes_covered"] == 8 and cover["n_fake"] == 400
    assert cover["values"]["high_quality"] > 0.95  # real samples: P(r < 3 std) = 1 - exp(-4.5) in 2-D
    assert fid["extractor"] == "identity" and fid["values"]["fid"] < 0.01


# ----------------------------------------------------------------------------------- which extractor, which sizes

def test_the_mnist_preset_still_evaluates_with_the_digits_cnn_and_auto_decides_by_the_data_source(
        tmp_path, monkeypatch):
    from ganforge.config import EvalConfig
    from ganforge.data import load_dataset
    from ganforge.features import inception as inc
    from ganforge.runs.experiment import config_from

    mnist = load_dataset("mnist", n=300)
    preset = config_from("mnist")
    assert training_callbacks(preset.eval, mnist, data_source=preset.data.source)[0].fn.extractor.name == "digits28"
    auto = EvalConfig(every=2, metrics="fid", features="auto")
    assert training_callbacks(auto, mnist, data_source="mnist")[0].fn.extractor.name == "digits28"

    def missing(*args, **kwargs):
        raise inc.InceptionWeightsError("no Inception-v3 FID weights found.\n" + inc.HOW_TO_GET)

    monkeypatch.delenv("GANFORGE_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setattr(inc, "load_inception_weights", missing)
    # The same 8x8 digits saved as digits.npz: a data set called "digits", but not the built-in source
    digits = load_dataset("digits")
    np.savez(tmp_path / "digits.npz", images=digits.data.numpy(), labels=digits.labels.numpy())
    cfg = tiny_image_config(steps=2)
    cfg["data"] = {"source": str(tmp_path / "digits.npz")}
    cfg["eval"] = {"every": 2, "metrics": "fid", "n": 20}
    with pytest.raises(ConfigError, match="features auto: no feature extractor is known to suit images"):
        train(cfg, out=tmp_path / "run")
    assert not (tmp_path / "run" / "checkpoints").exists()  # refused before training


def test_evaluate_refuses_different_image_shapes_unless_resize(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "real.npy", rng.integers(0, 256, size=(30, 8, 8), dtype=np.uint8))
    np.save(tmp_path / "fake.npy", rng.integers(0, 256, size=(30, 28, 28), dtype=np.uint8))
    args = ["evaluate", "--real", str(tmp_path / "real.npy"), "--fake", str(tmp_path / "fake.npy"),
            "--features", "digits", "--metrics", "fid,pr", "--out", str(tmp_path / "r.jsonl")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "ganforge evaluate: error: generated images have shape (1, 28, 28)" in err and "(1, 8, 8)" in err
    assert not (tmp_path / "r.jsonl").exists()
    with pytest.warns(UserWarning, match="fid from 30 generated samples is unreliable: use at least 2000"):
        assert main([*args, "--resize"]) == 0
    fid, pr = read_results(tmp_path / "r.jsonl")
    assert fid["extractor"] == "digits8" and fid["sample_shape"] == [1, 8, 8]
    assert fid["warnings"][0].startswith("fid from 30 generated samples is unreliable") and pr["warnings"]
    assert main([*args[:-4], "--metrics", "pr", "--n", "3", "--resize"]) == 2
    assert "pr (k=3) needs at least 10 generated samples; got 3" in capsys.readouterr().err
