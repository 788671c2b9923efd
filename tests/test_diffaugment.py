import pytest
import torch

from ganforge.diffaugment import AUGMENTATIONS, DiffAugment, cutout_mask, translate


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _batch(b=6, c=3, h=16, w=16, seed=0):
    return torch.randn(b, c, h, w, generator=_gen(seed))


def _shift_by_hand(img, dy, dx):
    """Zero-filled shift of one (C, H, W) image, written with explicit slicing."""
    out = torch.zeros_like(img)
    _, h, w = img.shape
    src_r = slice(max(0, -dy), min(h, h - dy))
    dst_r = slice(max(0, dy), min(h, h + dy))
    src_c = slice(max(0, -dx), min(w, w - dx))
    dst_c = slice(max(0, dx), min(w, w + dx))
    out[:, dst_r, dst_c] = img[:, src_r, src_c]
    return out


def test_augmentation_names():
    assert AUGMENTATIONS == ("translation", "cutout", "color")


@pytest.mark.parametrize("policy", ["translation,cutout,color", "translation", "cutout", "color"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_shape_and_dtype_preserved(policy, dtype):
    x = _batch().to(dtype)
    y = DiffAugment(policy)(x, _gen(1))
    assert y.shape == x.shape and y.dtype == dtype
    assert torch.isfinite(y.float()).all()


@pytest.mark.parametrize("policy", ["", [], " , "])
def test_empty_policy_is_identity(policy):
    x = _batch()
    aug = DiffAugment(policy)
    assert aug.policy == ()
    assert torch.equal(aug(x, _gen()), x)


@pytest.mark.parametrize("policy", ["translation", "cutout", "color"])
def test_each_policy_changes_input(policy):
    x = _batch(b=8) + 3.0  # no zeros, so cutout / translation are visible
    y = DiffAugment(policy)(x, _gen(2))
    assert not torch.equal(y, x)


def test_policy_as_sequence_matches_string():
    x = _batch()
    a = DiffAugment("translation, color")(x, _gen(3))
    b = DiffAugment(["translation", "color"])(x, _gen(3))
    assert torch.equal(a, b)


@pytest.mark.parametrize("policy", ["translation,cutout,color", "translation", "cutout", "color"])
def test_gradients_flow(policy):
    x = _batch().requires_grad_()
    y = DiffAugment(policy)(x, _gen(4))
    (y * torch.randn_like(y)).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_same_seed_same_output():
    x = _batch()
    aug = DiffAugment()
    assert torch.equal(aug(x, _gen(5)), aug(x, _gen(5)))
    assert not torch.equal(aug(x, _gen(5)), aug(x, _gen(6)))


def test_translate_known_offsets():
    x = _batch(b=4, c=2, h=7, w=9)
    dy = torch.tensor([0, 2, -3, 1])
    dx = torch.tensor([0, -1, 4, 9])  # a shift of the full width empties the image
    y = translate(x, dy, dx)
    for i in range(4):
        assert torch.equal(y[i], _shift_by_hand(x[i], int(dy[i]), int(dx[i])))
    assert torch.equal(y[0], x[0])
    assert torch.equal(y[3], torch.zeros_like(y[3]))


def test_translation_is_a_bounded_integer_shift_preserving_mass():
    # Content lives in the centre, so any shift of at most 2 pixels keeps all of it.
    b, h, w = 16, 12, 12
    x = torch.zeros(b, 3, h, w)
    x[:, :, 3:9, 3:9] = torch.rand(b, 3, 6, 6, generator=_gen(7)) + 0.1
    aug = DiffAugment("translation", translation_ratio=2 / 12)  # max shift round(2.0) = 2
    y = aug(x, _gen(8))
    assert torch.allclose(y.sum(dim=(1, 2, 3)), x.sum(dim=(1, 2, 3)))
    shifts = set()
    for i in range(b):
        found = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if torch.equal(y[i], _shift_by_hand(x[i], dy, dx))
        ]
        assert len(found) == 1, f"sample {i} is not a shift of at most 2 pixels"
        shifts.add(found[0])
    assert len(shifts) > 1  # offsets are drawn per sample


def test_translation_ratio_zero_is_identity():
    x = _batch()
    assert torch.equal(DiffAugment("translation", translation_ratio=0.0)(x, _gen()), x)


def test_cutout_area():
    b, h, w = 32, 16, 16
    x = torch.ones(b, 3, h, w)
    y = DiffAugment("cutout", cutout_ratio=0.5)(x, _gen(9))
    zero_frac = (y == 0).float().mean(dim=(1, 2, 3))
    # The 8x8 square lies inside the image: exactly a quarter of each image.
    assert torch.allclose(zero_frac, torch.full((b,), 0.25))
    # The zeroed pixels form one square, identical across channels.
    assert torch.equal(y[:, 0], y[:, 1]) and torch.equal(y[:, 0], y[:, 2])
    rows = (y[:, 0] == 0).any(dim=2).sum(dim=1)
    cols = (y[:, 0] == 0).any(dim=1).sum(dim=1)
    assert (rows == 8).all() and (cols == 8).all()
    # Positions vary across the batch.
    assert len({tuple(m.flatten().tolist()) for m in (y[:, 0] == 0)}) > 1


def test_cutout_mask_by_hand():
    keep = cutout_mask((2, 1, 4, 5), torch.tensor([0, 2]), torch.tensor([1, 3]), 2, 2)
    expected = torch.ones(2, 1, 4, 5, dtype=torch.bool)
    expected[0, 0, 0:2, 1:3] = False
    expected[1, 0, 2:4, 3:5] = False
    assert torch.equal(keep, expected)


def test_color_single_channel_saturation_is_noop_and_stats():
    x = _batch(b=8, c=1)
    aug = DiffAugment("color")
    y = aug(x, _gen(10))
    # Reproduce by hand: brightness, saturation (no-op for 1 channel), contrast.
    g = _gen(10)
    bright = torch.rand(8, 1, 1, 1, generator=g) - 0.5
    torch.rand(8, 1, 1, 1, generator=g)  # saturation draw
    contrast = torch.rand(8, 1, 1, 1, generator=g) + 0.5
    z = x + bright
    m = z.mean(dim=(1, 2, 3), keepdim=True)
    expected = (z - m) * contrast + m
    assert torch.allclose(y, expected, atol=1e-6)


def test_color_three_channels_by_hand():
    x = _batch(b=4, c=3, h=5, w=5)
    y = DiffAugment("color")(x, _gen(11))
    g = _gen(11)
    bright = torch.rand(4, 1, 1, 1, generator=g) - 0.5
    sat = torch.rand(4, 1, 1, 1, generator=g) * 2
    contrast = torch.rand(4, 1, 1, 1, generator=g) + 0.5
    z = x + bright
    pix = z.mean(dim=1, keepdim=True)
    z = (z - pix) * sat + pix
    m = z.mean(dim=(1, 2, 3), keepdim=True)
    assert torch.allclose(y, (z - m) * contrast + m, atol=1e-5)


@pytest.mark.parametrize("bad", ["flip", "translation,rotate", ["color", "noise"]])
def test_unknown_policy(bad):
    with pytest.raises(ValueError) as exc:
        DiffAugment(bad)
    msg = str(exc.value)
    assert any(word in msg for word in ("flip", "rotate", "noise"))
    for name in AUGMENTATIONS:
        assert name in msg


def test_bad_ratios_and_shape():
    with pytest.raises(ValueError):
        DiffAugment(cutout_ratio=1.5)
    with pytest.raises(ValueError):
        DiffAugment(translation_ratio=-0.1)
    with pytest.raises(ValueError):
        DiffAugment()(torch.randn(3, 8, 8))


@pytest.mark.parametrize("policy", ["translation,cutout,color", "translation", "cutout", "color"])
def test_channels_last(policy):
    x = _batch()
    xc = x.contiguous(memory_format=torch.channels_last)
    aug = DiffAugment(policy)
    y = aug(xc, _gen(12))
    assert y.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(y, aug(x, _gen(12)), atol=1e-6)
    assert aug(x, _gen(12)).is_contiguous()


def test_bf16_autocast_and_bf16_grad():
    x = _batch().bfloat16().requires_grad_()
    conv = torch.nn.Conv2d(3, 4, 3)
    aug = DiffAugment()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = aug(x, _gen(13))
        out = conv(y).float().mean()
    assert y.dtype == torch.bfloat16
    out.backward()
    assert x.grad is not None and x.grad.dtype == torch.bfloat16 and torch.isfinite(x.grad.float()).all()
    # float32 input under autocast stays float32
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert aug(_batch(), _gen(13)).dtype == torch.float32
