"""Tests for ganforge.nets: shapes, norms, spectral norm, MinibatchStd, packing, errors, bf16."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from ganforge.errors import ConfigError

from ganforge.nets import (
    Architecture,
    DCGANDiscriminator,
    DCGANGenerator,
    MinibatchStd,
    MLPDiscriminator,
    MLPGenerator,
    ResBlockDown,
    ResBlockUp,
    ResNetDiscriminator,
    ResNetGenerator,
    build_networks,
    maybe_spectral_norm,
    norm_layer,
    unwrap,
)
from ganforge.registry import NETWORKS

LATENT = 8
SMALL = 8  # width used for fast tests


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def _sn_count(module: nn.Module) -> int:
    return sum(
        1
        for m in module.modules()
        if parametrize.is_parametrized(m, "weight")
        and any(type(p).__name__ == "_SpectralNorm" for p in m.parametrizations.weight)
    )


def _weighted_layers(module: nn.Module) -> list[nn.Module]:
    return [m for m in module.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]


# ---------------------------------------------------------------- shapes


@pytest.mark.parametrize("size", [8, 28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_shapes(size, channels):
    g = DCGANGenerator(latent_dim=LATENT, image_size=size, channels=channels, width=SMALL)
    d = DCGANDiscriminator(image_size=size, channels=channels, width=SMALL)
    x = g(torch.randn(3, LATENT))
    assert x.shape == (3, channels, size, size)
    assert d(x).shape == (3,)


@pytest.mark.parametrize("size", [8, 28, 32, 64])
def test_dcgan_width_is_last_hidden_and_doubles(size):
    g = DCGANGenerator(latent_dim=LATENT, image_size=size, channels=3, width=SMALL)
    convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert convs[-1].in_channels == SMALL and convs[-1].out_channels == 3
    for a, b in zip(convs, convs[1:]):
        assert a.in_channels == 2 * b.in_channels
    d = DCGANDiscriminator(image_size=size, channels=3, width=SMALL)
    dconvs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert dconvs[0].out_channels == SMALL
    assert dconvs[-1].out_channels == 1


@pytest.mark.parametrize("channels", [1, 3])
def test_resnet_shapes(channels):
    g = ResNetGenerator(latent_dim=LATENT, channels=channels, width=16)
    d = ResNetDiscriminator(channels=channels, width=16)
    x = g(torch.randn(2, LATENT))
    assert x.shape == (2, channels, 32, 32)
    assert d(x).shape == (2,)


def test_resnet_default_widths():
    g, d = ResNetGenerator(), ResNetDiscriminator()
    assert g(torch.randn(2, 128)).shape == (2, 3, 32, 32)
    assert g.project.out_features == 4 * 4 * 256
    assert d.out.in_features == 128
    assert d(torch.randn(2, 3, 32, 32)).shape == (2,)


@pytest.mark.parametrize("depth", [1, 3])
def test_mlp_shapes(depth):
    g = MLPGenerator(LATENT, 5, hidden=16, depth=depth)
    d = MLPDiscriminator(5, hidden=16, depth=depth)
    x = g(torch.randn(7, LATENT))
    assert x.shape == (7, 5)
    assert d(x).shape == (7,)
    assert sum(isinstance(m, nn.Linear) for m in g.modules()) == depth + 1
    assert sum(isinstance(m, nn.Linear) for m in d.modules()) == depth + 1


def test_mlp_generator_output_is_linear_not_squashed():
    g = MLPGenerator(LATENT, 2, hidden=16)
    last = g.net[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.fill_(3.5)
    assert torch.allclose(g(torch.randn(4, LATENT)), torch.full((4, 2), 3.5))


def test_resblocks_shapes():
    up = ResBlockUp(8, 4)
    assert up(torch.randn(2, 8, 4, 4)).shape == (2, 4, 8, 8)
    down = ResBlockDown(4, 8)
    assert down(torch.randn(2, 4, 8, 8)).shape == (2, 8, 4, 4)
    keep = ResBlockDown(8, 8, downsample=False)
    assert isinstance(keep.shortcut, nn.Identity)
    assert keep(torch.randn(2, 8, 4, 4)).shape == (2, 8, 4, 4)
    opt = ResBlockDown(3, 8, optimized=True)
    assert opt(torch.randn(2, 3, 8, 8)).shape == (2, 8, 4, 4)


def test_resblockdown_optimized_has_no_leading_relu():
    torch.manual_seed(1)
    neg = -torch.rand(2, 4, 8, 8) - 0.1
    zero = torch.zeros_like(neg)
    for optimized in (False, True):
        blk = ResBlockDown(4, 4, spectral_norm=False, optimized=optimized).eval()
        with torch.no_grad():
            main_neg = blk(neg) - blk(zero)
            sc = (blk.shortcut(blk._down(neg)) - blk.shortcut(blk._down(zero))) if optimized else (
                blk._down(blk.shortcut(neg)) - blk._down(blk.shortcut(zero)))
        # Regular block: ReLU first, so an all-negative input only reaches the output via the shortcut.
        assert torch.allclose(main_neg, sc, atol=1e-5) is (not optimized)


# ---------------------------------------------------------------- norms


def test_norm_layer_kinds():
    assert isinstance(norm_layer("batch", 4), nn.BatchNorm2d)
    assert isinstance(norm_layer("batch", 4, dim=1), nn.BatchNorm1d)
    inst = norm_layer("instance", 4)
    assert isinstance(inst, nn.InstanceNorm2d) and inst.affine
    ln = norm_layer("instance", 4, dim=1)
    assert isinstance(ln, nn.LayerNorm) and ln.normalized_shape == (4,)
    assert isinstance(norm_layer("none", 4), nn.Identity)
    assert isinstance(norm_layer("none", 4, dim=1), nn.Identity)
    # 1-d "instance" normalises each sample over its features
    y = ln(torch.randn(3, 4) * 5 + 2)
    assert torch.allclose(y.mean(1), torch.zeros(3), atol=1e-5)


@pytest.mark.parametrize("bad", ["layer", "Batch", ""])
def test_norm_layer_rejects_unknown(bad):
    with pytest.raises(ValueError, match=repr(bad)) as exc:
        norm_layer(bad, 4)
    assert "instance" in str(exc.value) and "none" in str(exc.value)


@pytest.mark.parametrize("norm,cls", [("batch", nn.BatchNorm2d), ("instance", nn.InstanceNorm2d), ("none", None)])
def test_conv_nets_use_requested_norm(norm, cls):
    nets = [
        DCGANGenerator(latent_dim=LATENT, image_size=32, channels=3, width=SMALL, norm=norm),
        DCGANDiscriminator(image_size=32, channels=3, width=SMALL, norm=norm),
        ResNetGenerator(latent_dim=LATENT, channels=3, width=SMALL, norm=norm),
        ResNetDiscriminator(channels=3, width=SMALL, norm=norm),
    ]
    for net in nets:
        kinds = {type(m) for m in net.modules() if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d))}
        assert kinds == ({cls} if cls else set()), type(net).__name__
        out = net(torch.randn(2, LATENT) if "Generator" in type(net).__name__ else torch.randn(2, 3, 32, 32))
        assert torch.isfinite(out).all()


def test_dcgan_discriminator_first_layer_has_no_norm():
    d = DCGANDiscriminator(image_size=64, channels=3, width=SMALL, norm="batch")
    assert isinstance(d.net[0], nn.Conv2d) and isinstance(d.net[1], nn.LeakyReLU)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in d.modules()) == 3


@pytest.mark.parametrize("norm,cls", [("batch", nn.BatchNorm1d), ("instance", nn.LayerNorm), ("none", None)])
def test_mlp_use_requested_norm(norm, cls):
    for net in (MLPGenerator(LATENT, 2, hidden=16, norm=norm), MLPDiscriminator(2, hidden=16, norm=norm)):
        kinds = {type(m) for m in net.modules() if isinstance(m, (nn.BatchNorm1d, nn.LayerNorm))}
        assert kinds == ({cls} if cls else set())
    assert MLPGenerator(LATENT, 2, hidden=16, norm=norm)(torch.randn(4, LATENT)).shape == (4, 2)


def test_dcgan_init():
    g = DCGANGenerator(latent_dim=100, image_size=64, channels=3, width=64)
    w = torch.cat([m.weight.flatten() for m in _weighted_layers(g)])
    assert abs(w.std().item() - 0.02) < 0.002 and abs(w.mean().item()) < 0.002
    nw = torch.cat([m.weight for m in g.modules() if isinstance(m, nn.BatchNorm2d)])
    assert abs(nw.mean().item() - 1.0) < 0.01 and 0.01 < nw.std().item() < 0.03


# ---------------------------------------------------------------- spectral norm


def test_maybe_spectral_norm():
    lin = maybe_spectral_norm(nn.Linear(3, 3), True)
    assert _sn_count(lin) == 1
    assert _sn_count(maybe_spectral_norm(nn.Linear(3, 3), False)) == 0


@pytest.mark.parametrize(
    "make",
    [
        lambda sn: MLPDiscriminator(4, hidden=16, spectral_norm=sn),
        lambda sn: DCGANDiscriminator(image_size=28, width=SMALL, spectral_norm=sn),
        lambda sn: DCGANGenerator(latent_dim=LATENT, image_size=28, width=SMALL, spectral_norm=sn),
        lambda sn: ResNetDiscriminator(width=SMALL, spectral_norm=sn),
        lambda sn: ResNetGenerator(latent_dim=LATENT, width=SMALL, spectral_norm=sn),
    ],
)
def test_spectral_norm_switch(make):
    on, off = make(True), make(False)
    assert _sn_count(on) == len(_weighted_layers(on)) > 0
    assert _sn_count(off) == 0


def test_spectral_norm_bounds_sigma():
    d = MLPDiscriminator(4, hidden=32, spectral_norm=True)
    x = torch.randn(64, 4)
    for _ in range(30):  # power iterations converge in train mode
        d(x)
    d.eval()
    lin = d.net[0]
    sigma = torch.linalg.matrix_norm(lin.weight, ord=2).item()
    assert sigma == pytest.approx(1.0, abs=0.05)


def test_resnet_discriminator_sn_on_by_default():
    assert _sn_count(ResNetDiscriminator(width=SMALL)) > 0
    assert _sn_count(ResNetGenerator(latent_dim=LATENT, width=SMALL)) == 0


@pytest.mark.parametrize("arch,shape", [("mlp", (2,)), ("dcgan", (1, 28, 28)), ("resnet", (3, 32, 32))])
def test_build_networks_spectral_flags(arch, shape):
    g, d = build_networks(arch, data_shape=shape, latent_dim=LATENT, width=SMALL, spectral_norm=True)
    assert _sn_count(d) > 0 and _sn_count(g) == 0
    g, d = build_networks(arch, data_shape=shape, latent_dim=LATENT, width=SMALL, g_spectral_norm=True)
    assert _sn_count(g) > 0 and _sn_count(d) == 0


# ---------------------------------------------------------------- MinibatchStd


def test_minibatch_std_hand_computed_4d():
    # feature 0 over the batch: [0, 0, 2, 2] -> std 1; feature 1: [1, 1, 1, 1] -> std 0; mean 0.5
    x = torch.tensor([[0.0, 1.0], [0.0, 1.0], [2.0, 1.0], [2.0, 1.0]]).view(4, 2, 1, 1).expand(4, 2, 3, 3)
    y = MinibatchStd(group_size=4)(x)
    assert y.shape == (4, 3, 3, 3)
    assert torch.equal(y[:, :2], x)
    assert torch.allclose(y[:, 2], torch.full((4, 3, 3), 0.5), atol=1e-3)


def test_minibatch_std_groups_2d():
    # group_size 2 on a batch of 4: groups are samples {0, 2} and {1, 3}
    x = torch.tensor([[0.0], [5.0], [2.0], [5.0]])
    y = MinibatchStd(group_size=2)(x)
    assert y.shape == (4, 2)
    assert torch.allclose(y[:, 1], torch.tensor([1.0, 0.0, 1.0, 0.0]), atol=1e-3)


def test_minibatch_std_indivisible_batch():
    x = torch.randn(6, 3, 4, 4)
    y = MinibatchStd(group_size=4)(x)  # groups of 3 (largest divisor of 6 <= 4)
    assert y.shape == (6, 4, 4, 4)
    s = torch.sqrt(x.view(3, 2, -1).var(0, unbiased=False) + 1e-8).mean(1)
    assert torch.allclose(y[:, 3, 0, 0], s.repeat(3), atol=1e-5)
    # prime batch: whole batch is one group
    x7 = torch.randn(7, 5)
    y7 = MinibatchStd(group_size=4)(x7)
    expect = torch.sqrt(x7.var(0, unbiased=False) + 1e-8).mean()
    assert torch.allclose(y7[:, 5], expect.expand(7), atol=1e-5)


@pytest.mark.parametrize("shape", [(1, 3, 4, 4), (1, 6)])
def test_minibatch_std_batch_one(shape):
    x = torch.randn(*shape, requires_grad=True)
    y = MinibatchStd()(x)
    assert y.shape[1] == shape[1] + 1
    assert torch.all(y[:, -1] == 0)
    y.sum().backward()
    assert torch.isfinite(x.grad).all()


def test_minibatch_std_no_nan_grad_for_identical_samples():
    x = torch.ones(4, 2, 3, 3, requires_grad=True)
    MinibatchStd()(x).sum().backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize(
    "make,inp",
    [
        (lambda: MLPDiscriminator(4, hidden=16, minibatch_std=True), (5, 4)),
        (lambda: DCGANDiscriminator(image_size=28, width=SMALL, minibatch_std=True), (5, 1, 28, 28)),
        (lambda: ResNetDiscriminator(width=SMALL, minibatch_std=True), (5, 3, 32, 32)),
    ],
)
def test_discriminators_with_minibatch_std(make, inp):
    d = make()
    assert any(isinstance(m, MinibatchStd) for m in d.modules())
    for b in (inp[0], 1):
        assert d(torch.randn(b, *inp[1:])).shape == (b,)


# ---------------------------------------------------------------- builder


def test_architectures_registry():
    assert {name: (a.generator, a.discriminator) for name, a in NETWORKS.items()}.items() >= {
        "mlp": (MLPGenerator, MLPDiscriminator),
        "dcgan": (DCGANGenerator, DCGANDiscriminator),
        "resnet": (ResNetGenerator, ResNetDiscriminator),
    }.items()
    with pytest.raises(ConfigError, match=r"unknown architecture 'resnt' \(did you mean 'resnet'"):
        build_networks("resnt", data_shape=(3, 32, 32), latent_dim=LATENT)


def test_a_registered_architecture_builds_from_its_name():
    def build(shape, latent_dim, *, g_width, d_width, pack, **_):
        return nn.Linear(latent_dim, shape[0]), nn.Linear(pack * shape[0], 1)

    NETWORKS.register("linear", Architecture(nn.Linear, nn.Linear, build, (8, 8, "none", "none")))
    try:
        g, d = build_networks("linear", data_shape=(3,), latent_dim=4, pack=2)
        assert g.out_features == 3 and d.in_features == 6
    finally:
        NETWORKS.unregister("linear")


@pytest.mark.parametrize("pack", [1, 3])
def test_pack_multiplies_discriminator_input(pack):
    g, d = build_networks("mlp", data_shape=(2,), latent_dim=LATENT, width=16, pack=pack)
    assert d.net[0].in_features == 2 * pack
    assert g.net[-1].out_features == 2
    x = g(torch.randn(6, LATENT))
    assert d(x.reshape(6 // pack, 2 * pack)).shape == (6 // pack,)

    for arch in ("dcgan", "resnet"):
        g, d = build_networks(arch, data_shape=(3, 32, 32), latent_dim=LATENT, width=SMALL, pack=pack)
        first = next(m for m in d.modules() if isinstance(m, nn.Conv2d))
        assert first.in_channels == 3 * pack
        x = g(torch.randn(2 * pack, LATENT))
        assert x.shape == (2 * pack, 3, 32, 32)
        assert d(x.reshape(2, 3 * pack, 32, 32)).shape == (2,)


def test_build_networks_defaults_and_width():
    g, d = build_networks("dcgan", data_shape=(1, 28, 28), latent_dim=LATENT)
    assert any(isinstance(m, nn.BatchNorm2d) for m in g.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
    assert d.net[0].out_channels == 64
    g, d = build_networks("resnet", data_shape=(3, 32, 32), latent_dim=LATENT)
    assert g.width == 256 and d.out.in_features == 128
    assert not any(isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)) for m in d.modules())
    g, d = build_networks("mlp", data_shape=(4,), latent_dim=LATENT, width=32, depth=2, g_norm="batch",
                          d_norm="instance", minibatch_std=True)
    assert g.net[0].out_features == 32 and sum(isinstance(m, nn.Linear) for m in g.modules()) == 3
    assert any(isinstance(m, nn.BatchNorm1d) for m in g.modules())
    assert any(isinstance(m, nn.LayerNorm) for m in d.modules())
    assert any(isinstance(m, MinibatchStd) for m in d.modules())
    assert g(torch.randn(3, LATENT)).shape == (3, 4)


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(arch="stylegan", data_shape=(3, 32, 32)), "stylegan"),
        (dict(arch="mlp", data_shape=(1, 28, 28)), "mlp"),
        (dict(arch="dcgan", data_shape=(2,)), "dcgan"),
        (dict(arch="resnet", data_shape=(3, 32, 16)), "resnet"),
        (dict(arch="dcgan", data_shape=(3, 16, 16)), "16"),
        (dict(arch="resnet", data_shape=(3, 64, 64)), "64"),
        (dict(arch="dcgan", data_shape=(3, 32, 32), g_norm="group"), "group"),
        (dict(arch="mlp", data_shape=(2,), d_norm="spectral"), "spectral"),
        (dict(arch="mlp", data_shape=(2,), pack=0), "pack"),
    ],
)
def test_build_networks_errors(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        build_networks(latent_dim=LATENT, **kwargs)


def test_build_networks_shape_error_mentions_shape():
    with pytest.raises(ValueError) as exc:
        build_networks("mlp", data_shape=(1, 28, 28), latent_dim=LATENT)
    assert "(1, 28, 28)" in str(exc.value) and "dcgan" in str(exc.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: DCGANGenerator(image_size=16),
        lambda: DCGANDiscriminator(image_size=48),
        lambda: ResNetGenerator(image_size=64),
        lambda: ResNetDiscriminator(image_size=28),
    ],
)
def test_bad_image_size(make):
    with pytest.raises(ValueError, match="image_size") as exc:
        make()
    assert "supported sizes" in str(exc.value)


def test_dcgan_bad_size_lists_supported():
    with pytest.raises(ValueError) as exc:
        DCGANGenerator(image_size=16)
    assert all(s in str(exc.value) for s in ("8", "28", "32", "64"))


@pytest.mark.parametrize(
    "make",
    [
        lambda: DCGANDiscriminator(image_size=8, norm="bogus"),  # only un-normed first layer there
        lambda: DCGANGenerator(norm="bogus"),
        lambda: ResNetDiscriminator(norm="bogus"),
        lambda: MLPDiscriminator(2, depth=1, norm="bogus"),  # depth 1: no norm layer is built
        lambda: MLPGenerator(2, 2, norm="bogus"),
    ],
)
def test_constructors_reject_bad_norm(make):
    with pytest.raises(ValueError, match="bogus"):
        make()


# ---------------------------------------------------------------- channels_last / bf16 / range


@pytest.mark.parametrize(
    "g_make,d_make",
    [
        (lambda n: DCGANGenerator(latent_dim=LATENT, image_size=32, channels=3, width=SMALL, norm=n),
         lambda n: DCGANDiscriminator(image_size=32, channels=3, width=SMALL, norm=n, minibatch_std=True)),
        (lambda n: ResNetGenerator(latent_dim=LATENT, channels=3, width=SMALL, norm=n),
         lambda n: ResNetDiscriminator(channels=3, width=SMALL, norm=n, minibatch_std=True)),
    ],
)
@pytest.mark.parametrize("norm", ["batch", "instance", "none"])
def test_channels_last_and_bf16_autocast(g_make, d_make, norm):
    g = g_make(norm).eval()
    d = d_make(norm).eval()
    z = torch.randn(4, LATENT)
    with torch.no_grad():
        ref_x = g(z)
        ref_y = d(ref_x)
        g.to(memory_format=torch.channels_last)
        d.to(memory_format=torch.channels_last)
        x = g(z)
        y = d(x.contiguous(memory_format=torch.channels_last))
        assert torch.allclose(x, ref_x, atol=1e-5) and torch.allclose(y, ref_y, atol=1e-4)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            xb = g(z)
            yb = d(xb.contiguous(memory_format=torch.channels_last))
    assert xb.shape == (4, 3, 32, 32) and yb.shape == (4,)
    assert xb.dtype == torch.bfloat16 and torch.isfinite(xb.float()).all() and torch.isfinite(yb.float()).all()
    assert (xb.float() - ref_x).abs().max() < 0.1


def test_bf16_autocast_training_step():
    g = DCGANGenerator(latent_dim=LATENT, image_size=28, width=SMALL).to(memory_format=torch.channels_last)
    d = DCGANDiscriminator(image_size=28, width=SMALL, spectral_norm=True, minibatch_std=True).to(
        memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = d(g(torch.randn(5, LATENT))).float().mean()
    loss.backward()
    grads = [p.grad for p in list(g.parameters()) + list(d.parameters())]
    assert all(gr is not None and torch.isfinite(gr).all() for gr in grads)


@pytest.mark.parametrize(
    "g",
    [
        DCGANGenerator(latent_dim=LATENT, image_size=28, width=SMALL, norm="none"),
        DCGANGenerator(latent_dim=LATENT, image_size=64, channels=3, width=SMALL, norm="none"),
        ResNetGenerator(latent_dim=LATENT, width=SMALL, norm="none"),
    ],
)
def test_image_generators_output_in_range(g):
    with torch.no_grad():
        for p in g.parameters():
            p.mul_(20)  # push pre-activations far outside [-1, 1]
        x = g(torch.randn(4, LATENT) * 50)
    assert x.abs().max() <= 1.0
    assert x.abs().max() > 0.99  # saturates, i.e. the bound comes from the output squashing


# ---------------------------------------------------------------- unwrap


def test_unwrap():
    net = MLPGenerator(LATENT, 2, hidden=8)
    assert unwrap(net) is net
    assert unwrap(nn.DataParallel(net)) is net
    compiled = torch.compile(net)
    assert compiled is not net and unwrap(compiled) is net
    assert unwrap(torch.compile(nn.DataParallel(net))) is net
