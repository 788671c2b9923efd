"""Image-to-image metrics: Y-PSNR / Y-SSIM against scikit-image, colourfulness, HF energy ratio."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganforge.metrics import get_metric


def images(seed, n=2, h=40, w=36):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 3, h, w, generator=g) * 255).round().byte()


def test_psnr_and_ssim_on_y_with_border_crop_match_scikit_image():
    metrics = pytest.importorskip("skimage.metrics")
    color = pytest.importorskip("skimage.color")
    target = images(0)
    pred = (target.float() + torch.randn(target.shape, generator=torch.Generator().manual_seed(1)) * 12).clamp(0, 255).round().byte()
    border = 4
    ref_psnr, ref_ssim = [], []
    for p, t in zip(pred, target):
        y = [color.rgb2ycbcr(a.permute(1, 2, 0).numpy())[..., 0][border:-border, border:-border] for a in (p, t)]
        ref_psnr.append(metrics.peak_signal_noise_ratio(y[1], y[0], data_range=255))
        ref_ssim.append(metrics.structural_similarity(y[1], y[0], data_range=255, gaussian_weights=True, sigma=1.5,
                                                      use_sample_covariance=False))
    ours_psnr = get_metric("psnr_y")(pred, target, crop_border=border)["values"]["psnr_y"]
    ours_ssim = get_metric("ssim_y")(pred, target, crop_border=border)["values"]["ssim_y"]
    assert ours_psnr == pytest.approx(np.mean(ref_psnr), abs=1e-6)
    assert ours_ssim == pytest.approx(np.mean(ref_ssim), abs=1e-6)


def test_colourfulness_follows_hasler_and_suesstrunk():
    grey = images(2)[:, :1].repeat(1, 3, 1, 1)
    colour = images(3)
    out = get_metric("colourfulness")(grey, colour)["values"]
    assert out["colourfulness"] == 0 and out["colourfulness_ratio"] == 0
    r, g, b = colour[0].double().unbind(0)
    rg, yb = r - g, 0.5 * (r + g) - b
    expected = torch.sqrt(rg.var(unbiased=False) + yb.var(unbiased=False)) + 0.3 * torch.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    one = get_metric("colourfulness")(colour[:1], colour[:1])["values"]
    assert one["colourfulness"] == pytest.approx(float(expected)) and one["colourfulness_ratio"] == pytest.approx(1)


def test_hf_ratio_is_one_for_the_target_and_low_for_a_blurred_copy():
    target = images(4, h=64, w=64)
    hf = get_metric("hf_ratio")
    assert hf(target, target)["values"]["hf_ratio"] == pytest.approx(1.0)
    low = torch.nn.functional.interpolate(target.float(), scale_factor=0.25, mode="area")
    blurry = torch.nn.functional.interpolate(low, size=(64, 64), mode="bicubic").clamp(0, 255).round().byte()
    assert hf(blurry, target)["values"]["hf_ratio"] < 0.2
