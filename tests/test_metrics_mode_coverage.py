"""Tests for the VEEGAN/PacGAN mode-coverage metric."""

from __future__ import annotations


import numpy as np
import pytest
import torch

from ganforge.data import grid25, ring8
from ganforge.metrics.mode_coverage import mode_coverage

RING = ring8()


def test_all_samples_on_all_centres():
    samples = RING.centers.repeat(5, 1)
    r = mode_coverage(samples, RING.centers, RING.std)
    assert r == {
        "modes_covered": 8,
        "n_modes": 8,
        "high_quality": 1.0,
        "n_samples": 40,
        "per_mode": [5] * 8,
    }


def test_three_centres_only():
    samples = RING.centers[[0, 0, 3, 6]].numpy()
    r = mode_coverage(samples, RING.centers.numpy(), RING.std)
    assert r["modes_covered"] == 3 and r["high_quality"] == 1.0
    assert r["per_mode"] == [2, 0, 0, 1, 0, 0, 1, 0]


def test_far_points_cover_nothing():
    samples = torch.full((10, 2), 50.0)
    r = mode_coverage(samples, RING.centers, RING.std)
    assert r["modes_covered"] == 0 and r["high_quality"] == 0.0 and r["per_mode"] == [0] * 8


def test_threshold_boundary():
    std = 0.01
    centre = np.array([[1.0, 0.0]])
    inside = np.array([[1.0 + 2.99 * std, 0.0]])
    outside = np.array([[1.0 + 3.01 * std, 0.0]])
    assert mode_coverage(inside, centre, std)["modes_covered"] == 1
    assert mode_coverage(outside, centre, std)["modes_covered"] == 0
    assert mode_coverage(outside, centre, std, threshold=4.0)["modes_covered"] == 1
    # Euclidean distance, not per-coordinate: 2.5 std along each axis is 3.54 std away.
    diag = centre + 2.5 * std * np.array([[1.0, 1.0]])
    assert mode_coverage(diag, centre, std)["modes_covered"] == 0


def test_mixed_quality_fraction():
    g = grid25()
    good = g.sample(300, torch.Generator().manual_seed(0))
    bad = torch.tensor([[1.0, 1.0]]).repeat(100, 1)  # halfway between modes
    r = mode_coverage(torch.cat([good, bad]), g.centers, g.std)
    assert r["n_samples"] == 400 and r["n_modes"] == 25 and r["modes_covered"] == 25
    alone = mode_coverage(good, g.centers, g.std)
    assert 0.95 < alone["high_quality"] <= 1.0  # ~98.9% of 2-D Gaussian draws lie within 3 std
    assert r["per_mode"] == alone["per_mode"]
    assert r["high_quality"] == pytest.approx(alone["high_quality"] * 300 / 400)


def test_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        mode_coverage(torch.tensor([[0.0, float("nan")]]), RING.centers, RING.std)
    with pytest.raises(ValueError, match="shape"):
        mode_coverage(torch.zeros(4, 3), RING.centers, RING.std)
    with pytest.raises(ValueError, match="std"):
        mode_coverage(torch.zeros(4, 2), RING.centers, 0.0)


def test_registered():
    from ganforge.metrics import available_metrics, get_metric

    assert "mode_coverage" in available_metrics()
    assert get_metric("mode_coverage") is mode_coverage
