"""Paired image-to-image data: Lab, pairing, side-by-side splitting, SR inputs, crops and their errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.data.colour import lab_to_rgb, rgb_to_lab
from ganforge.data.degrade import Degradation, downscale
from ganforge.data.paired import load_paired, render
from ganforge.errors import DataError


def save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def noise(h, w, c=3, seed=0):
    return (np.random.default_rng(seed).random((h, w, c)) * 255).astype(np.uint8).squeeze()


def test_lab_matches_scikit_image_and_its_round_trip_keeps_l_and_colour():
    color = pytest.importorskip("skimage.color")
    rgb = torch.rand(2, 3, 9, 11, dtype=torch.float64)
    lab = rgb_to_lab(rgb)
    ref = color.rgb2lab(rgb.permute(0, 2, 3, 1).numpy())
    assert np.abs(lab.permute(0, 2, 3, 1).numpy() - ref).max() < 1e-3
    back = lab_to_rgb(lab)
    assert (back - rgb).abs().max() < 1e-6
    assert (rgb_to_lab(back)[:, 0] - lab[:, 0]).abs().max() < 1e-6  # the L channel survives the round trip


def test_folders_pair_by_name_and_direction_swaps_them(tmp_path):
    for i in range(2):
        save(tmp_path / "A" / f"x{i}.png", noise(20, 24, seed=i))
        save(tmp_path / "B" / f"x{i}.jpg", noise(20, 24, 1, seed=10 + i))
    ab = load_paired(tmp_path, "pairs", crop=16)
    assert ab.channels == (3, 1) and ab.sample_shape == (1, 16, 16)
    torch.manual_seed(0)
    x, y = ab.batch(torch.arange(4))
    assert x.shape == (4, 3, 16, 16) and y.shape == (4, 1, 16, 16) and x.min() >= -1 and x.max() <= 1
    ba = load_paired(tmp_path, "pairs", crop=16, direction="BtoA")
    assert ba.channels == (1, 3)


def test_side_by_side_images_split_into_a_and_b(tmp_path):
    left, right = noise(16, 16, seed=1), noise(16, 16, seed=2)
    save(tmp_path / "p.png", np.concatenate([left, right], 1))
    ab = load_paired(tmp_path, "pairs", crop=16)
    x, y = ab.pair(0, centre=True)
    assert torch.equal(((x + 1) * 127.5).round().byte().permute(1, 2, 0), torch.from_numpy(left))
    assert torch.equal(((y + 1) * 127.5).round().byte().permute(1, 2, 0), torch.from_numpy(right))
    x, _ = load_paired(tmp_path, "pairs", crop=16, direction="BtoA").pair(0, centre=True)
    assert torch.equal(((x + 1) * 127.5).round().byte().permute(1, 2, 0), torch.from_numpy(right))


def test_pairing_errors_name_the_problem(tmp_path):
    save(tmp_path / "un" / "A" / "a.png", noise(16, 16))
    save(tmp_path / "un" / "B" / "b.png", noise(16, 16))
    with pytest.raises(DataError, match=r"in A/ have no partner .* a"):
        load_paired(tmp_path / "un", "pairs", crop=8)
    save(tmp_path / "sz" / "A" / "a.png", noise(16, 16))
    save(tmp_path / "sz" / "B" / "a.png", noise(16, 20))
    with pytest.raises(DataError, match="pair 'a' has images of different sizes"):
        load_paired(tmp_path / "sz", "pairs", crop=8)
    save(tmp_path / "odd" / "p.png", noise(16, 33))
    with pytest.raises(DataError, match="even width"):
        load_paired(tmp_path / "odd", "pairs", crop=8)
    save(tmp_path / "small" / "s.png", noise(12, 40))
    with pytest.raises(DataError, match=r"s.png \(40x12\) is smaller than the 16-pixel training crop"):
        load_paired(tmp_path / "small", "sr", crop=16, scale=2)
    with pytest.raises(DataError, match="colour"):
        save(tmp_path / "grey" / "g.png", noise(16, 16, 1))
        load_paired(tmp_path / "grey", "colorize", crop=8)
    with pytest.raises(DataError, match="no images"):
        (tmp_path / "empty").mkdir()
        load_paired(tmp_path / "empty", "sr", crop=8, scale=2)


def test_super_resolution_inputs_are_bicubic_down_sampled_crops(tmp_path):
    save(tmp_path / "h.png", noise(40, 36))
    ds = load_paired(tmp_path, "sr", crop=24, scale=3)
    x, y = ds.pair(0, centre=True)
    assert x.shape == (3, 8, 8) and y.shape == (3, 24, 24)
    target = ((y + 1) * 127.5).round().byte()
    assert torch.equal(((x + 1) * 127.5).round().byte(), downscale(target, 3))
    whole_x, whole_y = ds.pair(0, whole=True)
    assert whole_y.shape == (3, 39, 36) and whole_x.shape == (3, 13, 12)
    degraded = load_paired(tmp_path, "sr", crop=24, scale=3, degradation=Degradation(p=1.0))
    a, _ = degraded.fixed(1)
    assert a.shape == (1, 3, 8, 8) and not torch.equal(a[0], x)
    assert torch.equal(a, degraded.fixed(1)[0])  # the preview's pairs are the same every time


def test_colourisation_pairs_render_back_to_the_image(tmp_path):
    image = noise(16, 16)
    save(tmp_path / "c.png", image)
    ds = load_paired(tmp_path, "colorize", crop=16)
    assert ds.channels == (1, 2) and ds.sample_shape == (3, 16, 16)
    x, y = ds.pair(0, centre=True)
    rgb = ((render("colorize", x[None], y[None])[0] + 1) * 127.5).round()
    assert (rgb - torch.from_numpy(image).permute(2, 0, 1).float()).abs().max() <= 1


def test_random_crops_follow_torch_seed_and_cover_the_image(tmp_path):
    save(tmp_path / "h.png", noise(64, 64))
    ds = load_paired(tmp_path, "sr", crop=16, scale=2)
    assert len(ds) >= 1000  # one large image still fills an epoch of crops
    torch.manual_seed(3)
    a = ds.batch(torch.arange(8))
    torch.manual_seed(3)
    b = ds.batch(torch.arange(8))
    assert torch.equal(a[1], b[1])
    assert len({t.sum().item() for t in a[1]}) > 4  # different crops (and flips)
