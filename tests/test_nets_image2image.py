"""Image-to-image networks: U-Net, PatchGAN (its receptive field measured), SRResNet, RRDB, and tiling."""

from __future__ import annotations

import pytest
import torch

from ganforge.nets.patchgan import PatchGAN, patchgan_receptive_field
from ganforge.nets.sr import RRDBNet, SRResNet
from ganforge.nets.tiling import tiled
from ganforge.nets.unet import UNet


@pytest.mark.parametrize("depth, size", [(3, 8), (4, 32), (5, 64)])
def test_unet_keeps_the_size_and_maps_channels(depth, size):
    net = UNet(1, 2, width=4, depth=depth).eval()
    assert net(torch.randn(2, 1, size, size + 2 ** depth)).shape == (2, 2, size, size + 2 ** depth)
    with pytest.raises(ValueError, match="multiples of"):
        net(torch.randn(1, 1, size + 1, size))


@pytest.mark.parametrize("net_class", [SRResNet, RRDBNet])
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_sr_networks_enlarge_by_their_scale(net_class, scale):
    net = net_class(3, scale, width=8, blocks=1)
    assert net(torch.randn(2, 3, 7, 5)).shape == (2, 3, 7 * scale, 5 * scale)
    grey = net_class(1, scale, width=8, blocks=1)
    assert grey(torch.randn(1, 1, 6, 6)).shape == (1, 1, 6 * scale, 6 * scale)
    with pytest.raises(ValueError, match="scale must be 2, 3 or 4"):
        net_class(3, 5)


def test_sr_networks_start_as_bicubic():
    x = torch.randn(1, 3, 6, 6)
    bicubic = torch.nn.functional.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
    assert torch.allclose(SRResNet(3, 2, width=8, blocks=1)(x), bicubic)


def measured_receptive_field(net: torch.nn.Module, channels: int, size: int = 160) -> int:
    """Width of the input region that moves the central output (from its gradient)."""
    x = torch.zeros(1, channels, size, size, requires_grad=True)
    net.eval()
    for m in net.modules():  # weights of one sign: no cancellation hides a pixel
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.constant_(m.weight, 0.01)
    out = net(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    cols = (x.grad[0].abs().sum((0, 1)) > 0).nonzero()
    return int(cols.max() - cols.min() + 1)


@pytest.mark.parametrize("field", [16, 34, 70])
def test_patchgan_receptive_field_computed_and_measured_equal_the_declared_one(field):
    net = PatchGAN(4, width=4, receptive_field=field, norm="none")
    assert net.receptive_field == field == patchgan_receptive_field({16: 1, 34: 2, 70: 3}[field])
    # zero padding makes a border output see less; the central output sees its whole field
    assert measured_receptive_field(net, 4) == field
    logits, maps = net.features(torch.randn(2, 4, 64, 48))
    assert logits.shape[:2] == (2, 1) and len(maps) == {16: 2, 34: 3, 70: 4}[field] and logits.shape == net(torch.randn(2, 4, 64, 48)).shape
    with pytest.raises(ValueError, match="receptive field is one of 16, 34, 70"):
        PatchGAN(3, receptive_field=71)


def test_tiles_equal_the_whole_image_for_a_network_that_sees_less_than_the_margin():
    torch.manual_seed(0)
    net = SRResNet(3, 2, width=8, blocks=2).eval()
    for p in net.tail.parameters():
        torch.nn.init.normal_(p, 0, 0.1)
    x = torch.rand(1, 3, 100, 90) * 2 - 1
    with torch.no_grad():
        whole = net(x)
        parts = tiled(net, x, tile=48, overlap=2 * net.radius + 2, margin=net.radius, scale=2)
        naive = tiled(net, x, tile=48, overlap=3, margin=0, scale=2)
    assert parts.shape == whole.shape
    assert (parts - whole).abs().max() < 1e-4  # everywhere, tile joins included: no seam
    assert (naive - whole).abs().max() > 1e-3  # tiles without a margin do differ (the test can fail)


def test_tiles_blend_without_seams_for_a_unet_and_pad_to_its_multiple():
    net = UNet(3, 3, width=4, depth=3).eval()
    x = torch.rand(1, 3, 45, 61) * 2 - 1
    with torch.no_grad():
        y = tiled(net, x, tile=24, overlap=8, multiple=8)
    assert y.shape == (1, 3, 45, 61) and torch.isfinite(y).all()
    with pytest.raises(ValueError, match="overlap"):
        tiled(net, x, tile=24, overlap=4, margin=2)
