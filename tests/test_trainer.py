import json
import signal

import pytest
import torch

from ganforge.config import ConfigError
from ganforge.runs.experiment import build_gan, config_from, load_data
from ganforge.training import Callback, CheckpointError, Trainer, TrainingDiverged, load_checkpoint
from ganforge.training.batches import Batches
from conftest import tiny_image_config


def make_trainer(run_dir, *, seed=0, callbacks=(), **train):
    """A trainer as `ganforge train` builds it, on the tiny digits config."""
    cfg = config_from(tiny_image_config(**train))
    data = load_data(cfg)
    torch.manual_seed(cfg.train.seed)
    gan = build_gan(cfg, data.sample_shape)
    return Trainer(gan, data, cfg.train, run_dir=run_dir, run_config=cfg.to_dict(), callbacks=callbacks,
                   metadata={"sample_shape": list(data.sample_shape)})


def assert_same_state(a: dict, b: dict):
    for name in a["networks"]:
        for key, tensor in a["networks"][name].items():
            assert torch.equal(tensor, b["networks"][name][key]), f"{name}.{key} differs"
    for name in a["averaged"]:
        for key, tensor in a["averaged"][name].items():
            assert torch.equal(tensor, b["averaged"][name][key]), f"EMA {name}.{key} differs"
    for phase in a["optimizers"]:
        sa, sb = a["optimizers"][phase]["state"], b["optimizers"][phase]["state"]
        for idx in sa:
            for key in sa[idx]:
                assert torch.equal(sa[idx][key], sb[idx][key]), f"{phase} optimizer {idx}.{key} differs"
    assert a["step"] == b["step"] and a["batches"] == b["batches"]


# Everything that draws random numbers during training: noise, augmentation, penalty, EMA, batches.
RICH = dict(precision="fp32", ema=0.9, ema_start=2)


def rich_config(tmp_path, name, steps):
    cfg = tiny_image_config(steps=steps, **RICH)
    cfg["gan"].update(augment="translation,cutout,color", instance_noise=0.1, instance_noise_steps=10,
                      penalty="r1", penalty_weight=1.0)
    return cfg


def test_resume_continues_bit_for_bit(tmp_path):
    def trainer(run_dir, steps):
        cfg = config_from(rich_config(tmp_path, run_dir, steps))
        data = load_data(cfg)
        torch.manual_seed(0)
        gan = build_gan(cfg, data.sample_shape)
        return Trainer(gan, data, cfg.train, run_dir=run_dir, run_config=cfg.to_dict())

    straight = trainer(tmp_path / "a", 8).fit()
    trainer(tmp_path / "b", 4).fit()
    resumed = trainer(tmp_path / "b", 8).fit(resume=True)
    assert resumed.step == 8
    assert_same_state(straight.state_dict(), resumed.state_dict())
    steps = [json.loads(line)["step"] for line in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [2, 4, 6, 8]


def test_resume_refuses_a_changed_config_and_lists_the_keys(tmp_path):
    make_trainer(tmp_path / "r", steps=2).fit()
    changed = make_trainer(tmp_path / "r", steps=4, lr_d=1e-3, batch_size=8)
    with pytest.raises(ConfigError) as err:
        changed.fit(resume=True)
    assert "train.lr_d" in str(err.value) and "train.batch_size" in str(err.value)
    assert "train.steps" not in str(err.value)  # the step target may grow


def test_resume_fills_keys_that_an_older_checkpoint_lacks_with_their_defaults(tmp_path):
    make_trainer(tmp_path / "r", steps=2).fit()
    path = tmp_path / "r" / "checkpoints" / "last.pt"
    state = load_checkpoint(path)
    del state["config"]["train"]["lr_schedule"], state["config"]["eval"]  # saved before these keys existed
    torch.save(state, path)
    assert make_trainer(tmp_path / "r", steps=4).fit(resume=True).step == 4
    state = load_checkpoint(path)
    state["config"]["train"]["lr_schedule"] = "linear"  # a value that is not the default still counts
    torch.save(state, path)
    with pytest.raises(ConfigError, match="train.lr_schedule"):
        make_trainer(tmp_path / "r", steps=6).fit(resume=True)


def test_checkpoint_holds_the_full_state(tmp_path):
    trainer = make_trainer(tmp_path / "r", steps=3, ema=0.9).fit()
    state = load_checkpoint(tmp_path / "r" / "checkpoints" / "last.pt")
    assert state["step"] == 3
    assert set(state["networks"]) == {"generator", "discriminator"}
    assert set(state["averaged"]) == {"generator"}
    assert set(state["optimizers"]) == set(state["schedulers"]) == {"discriminator", "generator"}
    assert {"python", "numpy", "torch"} <= set(state["rng"][0])
    assert state["config"] == trainer.run_config
    assert state["metadata"] == {"sample_shape": [1, 8, 8]}


def test_run_folder_contents(tmp_path):
    make_trainer(tmp_path / "r", steps=6).fit()
    run = tmp_path / "r"
    assert (run / "config.yaml").is_file() and (run / "run.json").is_file()
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step_0000003.png", "step_0000006.png"]
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4, 6]
    assert {"d_loss", "g_loss", "img_per_s"} <= set(records[0])
    info = json.loads((run / "run.json").read_text())
    assert info["starts"][0]["seed"] == 0 and info["starts"][0]["device"] == "cpu"


class PoisonAt(Callback):
    """Make the discriminator's output NaN from a given step on."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, step):
        if step == self.step:
            d = trainer.gan.discriminator
            d.register_forward_hook(lambda m, i, o: o * float("nan"))


def test_nan_guard_stops_without_saving_nan_weights(tmp_path):
    trainer = make_trainer(tmp_path / "r", steps=10, callbacks=[PoisonAt(4)], checkpoint_every=3)
    with pytest.raises(TrainingDiverged, match=r"discriminator loss became NaN/Inf at step 4"):
        trainer.fit()
    state = load_checkpoint(tmp_path / "r" / "checkpoints" / "last.pt")
    assert state["step"] == 3
    for sd in state["networks"].values():
        assert all(torch.isfinite(t).all() for t in sd.values() if t.is_floating_point())
    for p in trainer.gan.discriminator.parameters():
        assert torch.isfinite(p).all()  # the NaN loss never reached the weights


def test_nan_guard_rollback_goes_back_then_gives_up(tmp_path, capsys):
    trainer = make_trainer(tmp_path / "r", steps=10, callbacks=[PoisonAt(4)], checkpoint_every=3,
                           nan_policy="rollback")
    with pytest.raises(TrainingDiverged, match="after 3 rollbacks"):
        trainer.fit()  # the poison hook stays, so every retry fails again
    assert capsys.readouterr().err.count("rolled back to step 3") == 3


class InterruptAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, step):
        if step == self.step:
            signal.raise_signal(signal.SIGINT)


def test_ctrl_c_saves_a_checkpoint_at_the_step_boundary(tmp_path):
    trainer = make_trainer(tmp_path / "r", steps=50, callbacks=[InterruptAt(5)], checkpoint_every=100)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    assert load_checkpoint(tmp_path / "r" / "checkpoints" / "last.pt")["step"] == 5


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / "last.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_checkpoint(bad)
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.pt")


def test_unknown_trainer_override_is_an_error():
    with pytest.raises(ConfigError, match="unknown train setting 'stepz'"):
        Trainer(None, torch.zeros(4, 2), stepz=3)


def test_user_networks_train_in_a_few_lines():
    from torch import nn

    from ganforge import GAN

    g = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2))
    d = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    gan = GAN(g, d, latent_dim=3, loss="hinge")
    before = [p.clone() for p in g.parameters()]
    Trainer(gan, torch.randn(256, 2), steps=5, batch_size=32, progress=False).fit()
    assert any(not torch.equal(a, b) for a, b in zip(before, g.parameters()))
    assert gan.sample(7).shape == (7, 2)


def test_batches_shard_across_ranks_and_resume_exactly():
    a, b = Batches(10, 2, seed=3, rank=0, world_size=2), Batches(10, 2, seed=3, rank=1, world_size=2)
    first = torch.cat([next(a), next(a)]), torch.cat([next(b), next(b)])
    assert set(first[0].tolist()).isdisjoint(first[1].tolist())
    c = Batches(10, 3, seed=1)
    for _ in range(4):
        next(c)
    state = c.state_dict()
    expected = [next(c) for _ in range(5)]
    d = Batches(10, 3, seed=1)
    d.load_state_dict(state)
    assert all(torch.equal(x, next(d)) for x in expected)
    with pytest.raises(ValueError, match="too few for batches of 64"):
        Batches(10, 64)


def test_class_balanced_batches_draw_every_class_equally_and_resume_exactly():
    labels = torch.tensor([0] * 90 + [1] * 8 + [2] * 2)
    b = Batches(100, 50, seed=0, labels=labels)
    drawn = torch.cat([next(b) for _ in range(200)])
    share = torch.bincount(labels[drawn], minlength=3).float() / len(drawn)
    assert torch.allclose(share, torch.full((3,), 1 / 3), atol=0.02), share
    assert set(drawn[labels[drawn] == 2].tolist()) == {98, 99}  # both samples of the small class
    state = b.state_dict()
    expected = [next(b) for _ in range(3)]
    c = Batches(100, 50, seed=0, labels=labels)
    c.load_state_dict(state)
    assert all(torch.equal(x, next(c)) for x in expected)
    with pytest.raises(ValueError, match="one entry per sample"):
        Batches(100, 50, labels=labels[:10])


def test_class_balanced_training_needs_labels(tmp_path):
    from ganforge.config import ConfigError

    cfg = config_from(tiny_image_config(class_balanced=True))
    data = load_data(cfg)
    gan = build_gan(cfg, data.sample_shape)
    Trainer(gan, data, cfg.train)  # the digits carry labels
    with pytest.raises(ConfigError, match="class_balanced needs labelled data"):
        Trainer(gan, data.data, cfg.train)


class StopAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, step):
        if step == self.step:
            trainer.request_stop("enough")


def test_request_stop_ends_training_cleanly(tmp_path, capsys):
    trainer = make_trainer(tmp_path / "r", steps=50, callbacks=[StopAt(3)], checkpoint_every=100).fit()
    assert trainer.step == 3
    assert load_checkpoint(tmp_path / "r" / "checkpoints" / "last.pt")["step"] == 3
    assert "stopping at step 3: enough" in capsys.readouterr().err


def test_restore_loads_a_python_built_gan_and_load_run_explains_why_it_cannot(tmp_path):
    from torch import nn

    from ganforge import GAN, load_run, restore

    def make():
        torch.manual_seed(0)
        return GAN(nn.Linear(3, 2), nn.Linear(2, 1), latent_dim=3)

    gan = make()
    Trainer(gan, torch.randn(64, 2), steps=3, batch_size=16, ema=0.5, progress=False, run_dir=tmp_path).fit()
    fresh = restore(make(), tmp_path)
    z = torch.randn(4, 3)
    assert torch.equal(fresh.sample(4, z=z), gan.sample(4, z=z))
    with pytest.raises(ConfigError, match="built in Python"):
        load_run(tmp_path)


# -- the phase protocol ------------------------------------------------------------------------------
def test_the_trainer_source_names_no_phase_and_no_network():
    import inspect

    import ganforge.training.trainer as module

    source = inspect.getsource(module).lower()
    for name in ("generator", "discriminator", "lr_g", "lr_d", "critic"):
        assert name not in source, name


class _Counting(torch.nn.Module):
    """Two phases: 'a' on a schedule of the step with fresh batches, 'b' on the last batch."""

    def __init__(self):
        super().__init__()
        self.p, self.q = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
        self.seen: list[tuple[str, int, float]] = []

    def networks(self):
        return {"p": self.p, "q": self.q}

    def averaged_networks(self):
        return ()

    def phases(self, train):
        from ganforge.gans.protocol import Phase

        return [Phase("a", ("p",), self.loss_of("a", self.p), 0.1, (0.0, 0.9), repeats=lambda step: step % 3),
                Phase("b", ("q",), self.loss_of("b", self.q), 0.01, (0.0, 0.9), fresh_batch=False)]

    def loss_of(self, name, net):
        def loss(batch, step):
            self.seen.append((name, step, float(batch[0, 0])))
            return {"loss": net(batch).pow(2).mean(), f"{name}_loss": net(batch).detach().mean()}
        return loss

    def extra_state(self):
        return {}

    def load_extra_state(self, state):
        assert state == {}


def test_phases_run_on_their_schedule_with_their_batch_policy_and_log_their_lr(tmp_path):
    gan = _Counting()
    data = torch.arange(64, dtype=torch.float32)[:, None]
    trainer = Trainer(gan, data, steps=4, batch_size=4, progress=False, precision="fp32", log_every=1,
                      run_dir=None)
    trainer.fit()
    runs = [(name, step) for name, step, _ in gan.seen]
    assert runs == [("b", 0), ("a", 1), ("b", 1), ("a", 2), ("a", 2), ("b", 2), ("b", 3)]
    by_step = {}
    for name, step, first in gan.seen:
        by_step.setdefault(step, []).append((name, first))
    a2, a2b, b2 = by_step[2]
    assert a2[1] != a2b[1] and b2[1] == a2b[1]  # 'a' draws fresh batches, 'b' takes the last one
    assert trainer.optimizers["a"].param_groups[0]["lr"] == 0.1 and trainer.optimizers["b"].param_groups[0]["lr"] == 0.01
    assert set(trainer.state_dict()["optimizers"]) == {"a", "b"}


def test_each_phase_lr_is_logged_under_its_own_name(tmp_path):
    make_trainer(tmp_path / "run", steps=2, log_every=1, lr_g=3e-4, lr_d=1e-4).fit()
    record = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[0])
    assert record["lr/generator"] == 3e-4 and record["lr/discriminator"] == 1e-4


def test_ema_copies_reach_the_gan_through_use_averaged(tmp_path):
    calls = []

    class Spy(_Counting):
        def averaged_networks(self):
            return ("q",)

        def use_averaged(self, copies):
            calls.append(dict(copies))

    gan = Spy()
    trainer = Trainer(gan, torch.zeros(16, 1), steps=1, batch_size=4, progress=False, ema=0.5)
    assert len(calls) == 1 and calls[0]["q"] is trainer.ema["q"].module and calls[0]["q"] is not gan.q


def test_a_time_budget_ends_the_run_and_its_schedules_follow_the_steps_that_fit(tmp_path, capsys):
    trainer = make_trainer(tmp_path / "run", steps=40, time_budget="12s", lr_schedule="linear", ema=0.9,
                           ema_start=20, log_every=1, checkpoint_every=100, progress=True)
    trainer.budget.clock = lambda: float(trainer.step)  # a step takes one (fake) second
    trainer.fit()
    assert trainer.step == 12 and "time budget of 12 s used" in trainer.stop_reason
    assert trainer.budget.planned == 12
    assert all(ema.start == 6 for ema in trainer.ema.values())  # 20 of 40 steps -> 6 of 12
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert records[-1]["step"] == 12 and records[-1]["lr/generator"] == 0.0  # the decay ran its whole course
    err = capsys.readouterr().err
    assert "time budget 12 s: about 12 of 40 steps fit" in err
    state = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")
    assert state["step"] == 12 and state["planned_steps"] == 12


def test_the_time_budget_can_change_on_resume(tmp_path):
    make_trainer(tmp_path / "run", steps=8, time_budget=3600).fit()
    resumed = make_trainer(tmp_path / "run", steps=8, time_budget="2h")
    resumed.fit(resume=True)
    assert resumed.step == 8 and resumed.stop_reason is None
