"""WaveGAN / SpecGAN and piano-roll networks: shapes, phase shuffle, binarisation."""

from __future__ import annotations

import pytest
import torch

from ganforge.nets.musegan import RollDiscriminator, RollGenerator
from ganforge.nets.wavegan import PhaseShuffle, WaveDiscriminator, WaveGenerator, phase_shuffle


@pytest.mark.parametrize("dims,size,out", [(1, 16384, (3, 16384)), (1, 1024, (3, 1024)), (2, 128, (3, 128, 128)),
                                           (2, 32, (3, 32, 32))])
@pytest.mark.parametrize("classes", [None, 4])
def test_generator_and_discriminator_shapes(dims, size, out, classes):
    g = WaveGenerator(8, size, width=2, dims=dims, num_classes=classes)
    d = WaveDiscriminator(size, width=2, dims=dims, num_classes=classes)
    y = torch.tensor([0, 1, 3]) if classes else None
    x = g(torch.randn(3, 8), *([y] if classes else []))
    assert x.shape == out and x.abs().max() <= 1
    assert d(x, *([y] if classes else [])).shape == (3, 1)


def test_sizes_that_the_strides_cannot_reach_are_refused():
    with pytest.raises(ValueError, match="16 times a power of 4"):
        WaveGenerator(8, 16000, width=2)
    with pytest.raises(ValueError, match="4 times a power of 2"):
        WaveDiscriminator(100, width=2, dims=2)


def test_a_conditional_network_needs_its_labels():
    with pytest.raises(ValueError, match="G\\(z, labels\\)"):
        WaveGenerator(8, 1024, width=2, num_classes=3)(torch.randn(2, 8))


def test_phase_shuffle_keeps_the_length_is_the_identity_at_zero_and_shifts_with_reflection():
    x = torch.arange(10.0).view(1, 1, 10).repeat(3, 2, 1)
    assert torch.equal(phase_shuffle(x, torch.zeros(3, dtype=torch.long)), x)
    out = phase_shuffle(x, torch.tensor([0, 2, -1]))
    assert out.shape == x.shape
    assert torch.equal(out[0], x[0])
    assert out[1, 0].tolist() == [2, 1, 0, 1, 2, 3, 4, 5, 6, 7]  # later by 2, the start reflected
    assert out[2, 1].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 8]  # earlier by 1, the end reflected
    layer = PhaseShuffle(2)
    assert layer(x).shape == x.shape
    assert torch.equal(layer.eval()(x), x) and torch.equal(PhaseShuffle(0).train()(x), x)


def test_roll_generator_makes_phrases_of_the_format_and_binarises_in_eval_mode():
    shape = (4, 2, 16, 32)
    g, d = RollGenerator(6, shape, width=4), RollDiscriminator(shape, width=4)
    torch.manual_seed(0)
    assert g.latent_dim == 6 * (2 + 2 * 4)
    z = torch.randn(5, g.latent_dim)
    soft = g(z)
    assert soft.shape == (5, 4 * 32 * 32) and 0 < soft.min() and soft.max() < 1 and d(soft).shape == (5, 1)
    hard = g.eval()(z)
    assert set(hard.unique().tolist()) <= {0.0, 1.0}
    st = RollGenerator(6, shape, width=4, binarize="straight_through").train()
    out = st(z)
    assert torch.allclose(out.detach(), out.detach().round(), atol=1e-6)  # 0/1 forward, p's gradient backward
    out.sum().backward()  # the straight-through estimator passes gradients
    assert st.dense[0].weight.grad.abs().sum() > 0


def test_monophonic_generator_sounds_at_most_one_pitch_per_track_and_step():
    shape = (4, 2, 16, 32)
    torch.manual_seed(0)
    g = RollGenerator(6, shape, width=8, monophonic=True)
    z = torch.randn(5, g.latent_dim)
    logits = g.logits(z)
    assert logits.shape == (5, 4, 32, 33)  # the pitches and a rest
    soft = g(z).view(5, 4, 32, 32)
    expected = torch.softmax(logits, -1)[..., :32]  # the rest is no cell of the roll
    assert torch.allclose(soft, expected) and (soft.sum(-1) < 1).all()
    hard = g.eval()(z).view(5, 4, 32, 32)
    per_step = hard.sum(-1)
    assert set(per_step.unique().tolist()) <= {0.0, 1.0}
    choice = g.logits(z).argmax(-1)  # in eval mode too (batch-norm running statistics)
    assert torch.equal(per_step == 0, choice == 32)  # a step is silent exactly where the rest wins
    st = RollGenerator(6, shape, width=8, binarize="straight_through", monophonic=True).train()
    out = st(z)
    assert set(out.detach().round(decimals=5).unique().tolist()) <= {0.0, 1.0}
    out.sum().backward()
    assert st.rest.weight.grad.abs().sum() > 0  # the rest logit learns through the softmax


def test_generator_upsamples_time_by_nearest_then_convolution_or_transposed_convolution():
    shape = (2, 2, 16, 16)
    nearest, transposed = (RollGenerator(4, shape, width=8, upsample=u) for u in ("nearest", "transposed"))
    assert sum(isinstance(m, torch.nn.Upsample) for m in nearest.trunk) == 2
    assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in transposed.trunk) == 2
    z = torch.randn(3, nearest.latent_dim)
    assert nearest(z).shape == transposed(z).shape == (3, 2 * 32 * 16)
    with pytest.raises(ValueError, match="upsample must be nearest or transposed"):
        RollGenerator(4, shape, upsample="bilinear")


def test_private_latents_change_only_their_own_track():
    shape = (3, 2, 16, 16)
    torch.manual_seed(0)
    g = RollGenerator(4, shape, width=8)
    g(torch.randn(64, g.latent_dim))  # running batch-norm statistics, used in eval mode (no coupling of samples)
    g.eval()
    z = torch.randn(1, g.latent_dim)
    z2 = z.clone()
    z2[:, 8:12] += 3.0  # the private vector of track 0 (after shared and shared-temporal, 4 each)
    a, b = (g.logits(v)[0] for v in (z, z2))
    assert not torch.allclose(a[0], b[0]) and torch.allclose(a[1:], b[1:])
