"""CycleGAN: its losses on hand-made inputs, the pool of past fakes, exact resume with the pools,
the LR schedule, and that the preview shows exactly what `ganforge translate` writes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from ganforge.cli import main
from ganforge.runs.experiment import load_data, load_run, train
from ganforge.gans.cyclegan import CycleGAN, ImagePool
from ganforge.io import to_uint8
from ganforge.training import load_checkpoint


class Affine(nn.Module):
    """x -> scale * x + shift."""

    def __init__(self, scale: float, shift: float) -> None:
        super().__init__()
        self.scale, self.shift = nn.Parameter(torch.tensor(scale)), nn.Parameter(torch.tensor(shift))

    def forward(self, x):
        return self.scale * x + self.shift


class Constant(nn.Module):
    """A critic whose logits are ``value`` everywhere, (N, 1, 2, 2)."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = nn.Parameter(torch.tensor(value))

    def forward(self, x):
        return self.value.expand(len(x), 1, 2, 2)


def hand_made(identity_weight=0.5):
    # G(x) = x / 2, F(x) = x + 0.1; D_B says 0.3, D_A says -0.1
    return CycleGAN(Affine(0.5, 0.0), Constant(0.3), Affine(1.0, 0.1), Constant(-0.1), channels=1,
                    identity_weight=identity_weight, loss="least_squares")


def test_cycle_identity_and_adversarial_losses_on_hand_made_inputs():
    a, b = torch.full((2, 1, 8, 8), 0.5), torch.full((2, 1, 8, 8), -0.2)
    out = hand_made().generator_step((a, b), 0)
    # cycle: |F(G(a)) - a| = |0.35 - 0.5|, |G(F(b)) - b| = |-0.05 + 0.2|
    assert out["cycle"].item() == pytest.approx(0.15 + 0.15)
    # identity: |G(b) - b| = |-0.1 + 0.2|, |F(a) - a| = 0.1
    assert out["identity"].item() == pytest.approx(0.1 + 0.1)
    # least squares, G's side: (D - 1)^2 / 2 for each direction
    assert out["g_loss"].item() == pytest.approx(0.5 * 0.7 ** 2 + 0.5 * 1.1 ** 2)
    assert out["loss"].item() == pytest.approx(0.85 + 10 * 0.3 + 0.5 * 10 * 0.2)
    off = hand_made(identity_weight=0).generator_step((a, b), 0)
    assert "identity" not in off and off["loss"].item() == pytest.approx(0.85 + 10 * 0.3)


def test_the_discriminators_judge_the_fakes_of_the_generator_step():
    gan = hand_made()
    a, b = torch.full((2, 1, 8, 8), 0.5), torch.full((2, 1, 8, 8), -0.2)
    gan.generator_step((a, b), 0)
    out = gan.discriminator_step((a, b), 0)
    # D_B: real 0.3 and fake 0.3 -> (0.3 - 1)^2 / 2 + 0.3^2 / 2; D_A: (-1.1)^2 / 2 + 0.1^2 / 2
    assert out["loss"].item() == pytest.approx(0.5 * 0.49 + 0.5 * 0.09 + 0.5 * 1.21 + 0.5 * 0.01)
    assert torch.equal(gan.pool_b.state(), torch.full((2, 1, 8, 8), 0.25))  # G(a) went into D_B's pool
    assert torch.equal(gan.pool_a.state(), torch.full((2, 1, 8, 8), -0.1))  # F(b) into D_A's


def test_the_pool_fills_then_returns_a_past_fake_half_of_the_time():
    torch.manual_seed(0)
    pool = ImagePool(5)
    images = lambda k: torch.full((1, 1, 2, 2), float(k))  # noqa: E731
    for k in range(5):
        assert torch.equal(pool.query(images(k)), images(k))
    past, queries = 0, 4000
    for k in range(5, 5 + queries):
        got = pool.query(images(k))[0, 0, 0, 0].item()
        assert got <= k and len(pool.images) == 5
        past += got != k
    assert 0.46 < past / queries < 0.54
    assert ImagePool(0).query(images(1)) is not None and ImagePool(0).state().numel() == 0


def test_the_pool_continues_exactly_from_its_state():
    def queries(pool, start, stop):
        return [pool.query(torch.full((3, 1, 2, 2), float(k)) + torch.randn(3, 1, 2, 2)) for k in range(start, stop)]

    torch.manual_seed(1)
    straight = ImagePool(6)
    expected = queries(straight, 0, 20)
    torch.manual_seed(1)
    first = ImagePool(6)
    queries(first, 0, 8)
    state, rng = first.state().clone(), torch.get_rng_state()
    resumed = ImagePool(6)
    resumed.load(state)
    torch.set_rng_state(rng)
    for got, want in zip(queries(resumed, 8, 20), expected[8:]):
        assert torch.equal(got, want)
    assert torch.equal(resumed.state(), straight.state())


def write_domain(folder, n, seed, size=16):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8)).save(folder / f"{i:02d}.png")
    return folder


def tiny(tmp_path, steps, **train):
    a, b = tmp_path / "A", tmp_path / "B"
    if not a.exists():
        write_domain(a, 6, 0), write_domain(b, 5, 1)
    return {"name": "cg", "data": {"source": "", "a": str(a), "b": str(b)}, "model": {"width": 4},
            "gan": {"kind": "cyclegan", "loss": "least_squares"},
            "cyclegan": {"crop": 16, "blocks": 1, "receptive_field": 16, "pool_size": 6},
            "train": {"steps": steps, "batch_size": 4, "precision": "fp32", "ema": 0.9, "log_every": 1,
                      "sample_every": 100, "checkpoint_every": 100, "progress": False, "tensorboard": False,
                      **train}}


def test_resume_with_the_pools_is_bit_for_bit(tmp_path):
    train(tiny(tmp_path, 5), out=tmp_path / "straight")
    train(tiny(tmp_path, 2), out=tmp_path / "resumed")
    train(tiny(tmp_path, 5), resume=tmp_path / "resumed")
    a = load_checkpoint(tmp_path / "straight" / "checkpoints" / "last.pt")
    b = load_checkpoint(tmp_path / "resumed" / "checkpoints" / "last.pt")
    assert a["extra"]["pool_a"].shape == (6, 1, 16, 16)  # full: 20 fakes went through a pool of 6
    for part in ("networks", "averaged", "optimizers"):
        for name in a[part]:
            for key, value in a[part][name].items():
                if isinstance(value, torch.Tensor):
                    assert torch.equal(value, b[part][name][key]), (part, name, key)
    for key in ("pool_a", "pool_b"):
        assert torch.equal(a["extra"][key], b["extra"][key])


def test_lr_is_constant_then_falls_linearly_to_zero(tmp_path):
    train(tiny(tmp_path, 8, lr_schedule="linear", lr_hold=0.5), out=tmp_path / "run")
    lines = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    lr = {r["step"]: r["lr/generators"] for r in lines if "lr/generators" in r}
    assert lr == pytest.approx({s: 2e-4 * min(1.0, (8 - s) / 4) for s in range(1, 9)})
    assert all(r["lr/discriminators"] == r["lr/generators"] for r in lines if "lr/generators" in r)


def test_the_preview_shows_what_translate_writes(tmp_path):
    run = tmp_path / "run"
    train(tiny(tmp_path, 3), out=run)
    gan, cfg = load_run(run)
    preview = gan.preview(seed=0, data=load_data(cfg))
    assert preview.columns == 3 and preview.samples.shape == (24, 1, 16, 16)
    shown = to_uint8(preview.samples)[..., 0]  # rows: A, G(A), F(G(A)) x 4, then B, F(B), G(F(B)) x 4
    for direction, folder, rows in (("AtoB", "A", range(0, 4)), ("BtoA", "B", range(4, 8))):
        out = tmp_path / f"out-{direction}"
        assert main(["translate", str(run), str(tmp_path / folder), "--out", str(out), "--direction", direction,
                     "-q"]) == 0
        for i, row in enumerate(rows):
            written = np.array(Image.open(out / f"{i:02d}.png"))
            assert np.array_equal(shown[3 * row], np.array(Image.open(tmp_path / folder / f"{i:02d}.png")))
            assert np.array_equal(written, shown[3 * row + 1]), (direction, i)
