import math

import pytest
import torch
from torch import nn

from ganforge.gans import GAN, frozen
from ganforge.nets import MLPDiscriminator, MLPGenerator, build_networks
from ganforge.training import Trainer


def mlp_gan(pack=1, **kw):
    g = MLPGenerator(latent_dim=4, out_dim=2, hidden=16, depth=2)
    d = MLPDiscriminator(in_dim=2 * pack, hidden=16, depth=2)
    return GAN(g, d, latent_dim=4, pack=pack, **kw)


def test_discriminator_step_reports_losses_and_reuses_fakes_for_generator():
    gan = mlp_gan()
    real = torch.randn(8, 2)
    out = gan.discriminator_step(real, step=0)
    assert {"loss", "d_loss", "d_real", "d_fake"} <= set(out)
    assert out["loss"].requires_grad and out["loss"].ndim == 0
    assert gan._fake is not None and gan._fake[0].requires_grad  # kept (with its z) for the generator step
    out = gan.generator_step(real, step=0)
    assert gan._fake is None and out["loss"].requires_grad


def test_mode_seeking_term_on_known_inputs_pairs_only_fakes_of_one_group():
    gan = mlp_gan(mode_seeking=2.0)
    fake = torch.tensor([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0], [3.0, 3.0]])
    z = torch.tensor([[0.0] * 4, [1.0] * 4, [9.0] * 4, [2.0] * 4])
    out = {}
    # Groups 0 1 0 1: the pairs are (0, 2) and (1, 3); |fake| distances 5 and 2, |z| distances 9 and 1.
    term = gan.mode_seeking_term(fake, z, torch.tensor([0, 1, 0, 1]), out)
    ratio = (5 + 2) / 2 / ((9 + 1) / 2)
    assert out["mode_seeking"].item() == pytest.approx(ratio)
    assert float(term) == pytest.approx(2.0 / (ratio + 1e-5))
    # No groups: consecutive fakes pair up, (0, 1) (1, 2) (2, 3).
    term = gan.mode_seeking_term(fake, z, None, out)
    assert out["mode_seeking"].item() == pytest.approx((1 + 4 + 2) / 3 / ((1 + 8 + 7) / 3))
    assert gan.mode_seeking_term(fake, z, torch.tensor([0, 1, 2, 3]), {}) == 0.0  # no two fakes of one class
    assert mlp_gan().mode_seeking_term(fake, z, None, {}) == 0.0  # off by default
    with pytest.raises(ValueError, match="mode_seeking must be >= 0"):
        mlp_gan(mode_seeking=-1.0)


def test_mode_seeking_enters_the_generator_loss():
    torch.manual_seed(0)
    real = torch.randn(8, 2)
    plain, seeking = mlp_gan(), mlp_gan(mode_seeking=1.0)
    seeking.load_state_dict(plain.state_dict())
    torch.manual_seed(1)
    a = plain.generator_step(real, step=0)
    torch.manual_seed(1)
    b = seeking.generator_step(real, step=0)
    assert "mode_seeking" in b and "mode_seeking" not in a
    assert b["loss"].item() == pytest.approx(a["loss"].item() + 1.0 / (b["mode_seeking"].item() + 1e-5), rel=1e-5)


def test_generator_step_gives_no_gradient_to_discriminator():
    gan = mlp_gan()
    gan.generator_step(torch.randn(8, 2), step=0)["loss"].backward()
    assert all(p.grad is None for p in gan.discriminator.parameters())
    assert all(p.requires_grad for p in gan.discriminator.parameters())  # unfrozen afterwards
    assert any(p.grad is not None for p in gan.generator.parameters())


def test_frozen_restores_only_what_it_froze():
    net = nn.Linear(2, 2)
    net.bias.requires_grad_(False)
    with frozen(net):
        assert not net.weight.requires_grad
    assert net.weight.requires_grad and not net.bias.requires_grad


def test_packing_groups_consecutive_samples():
    gan = mlp_gan(pack=4)
    x = torch.arange(16.0).reshape(8, 2)
    packed = gan.packed(x)
    assert packed.shape == (2, 8)
    assert torch.equal(packed[0], torch.arange(8.0))
    img = torch.randn(8, 3, 4, 4)
    assert gan.packed(img).shape == (2, 12, 4, 4)
    with pytest.raises(ValueError, match="multiple of pack=4"):
        gan.packed(torch.randn(6, 2))


def test_instance_noise_anneals_linearly():
    gan = mlp_gan(instance_noise=0.2, instance_noise_steps=100)
    assert gan.noise_std(0) == pytest.approx(0.2)
    assert gan.noise_std(50) == pytest.approx(0.1)
    assert gan.noise_std(150) == 0.0
    assert mlp_gan(instance_noise=0.3).noise_std(10**6) == 0.3


@pytest.mark.parametrize("penalty", ["gradient_penalty", "r1"])
def test_penalties_enter_the_discriminator_loss(penalty):
    torch.manual_seed(0)
    gan = mlp_gan(penalty=penalty, penalty_weight=5.0)
    out = gan.discriminator_step(torch.randn(8, 2), step=0)
    assert out["penalty"] > 0
    scale = 5.0 if penalty == "gradient_penalty" else 2.5
    assert out["loss"].item() == pytest.approx(out["d_loss"].item() + scale * out["penalty"].item(), rel=1e-5)


def test_n_critic_generates_fresh_fakes_for_the_generator():
    gan = mlp_gan(n_critic=3, loss="wasserstein", penalty="gradient_penalty")
    from ganforge.config import TrainConfig

    d_phase, g_phase = gan.phases(TrainConfig(lr_d=1e-3, lr_g=2e-3))
    assert (d_phase.repeats(0), d_phase.fresh_batch, d_phase.lr) == (3, True, 1e-3)
    assert (g_phase.repeats(0), g_phase.fresh_batch, g_phase.lr) == (1, False, 2e-3)
    gan.discriminator_step(torch.randn(8, 2), step=0)
    assert gan._fake is None


def test_label_smoothing_sets_the_real_target():
    assert mlp_gan(label_smoothing=0.1).real_target == pytest.approx(0.9)
    with pytest.raises(ValueError, match="label smoothing"):
        mlp_gan(loss="hinge", label_smoothing=0.1)


def test_augmentation_is_applied_to_image_inputs():
    g, d = build_networks("dcgan", data_shape=(1, 8, 8), latent_dim=4, width=4)
    gan = GAN(g, d, 4, augment="cutout")
    x = torch.ones(4, 1, 8, 8)
    assert (gan.judge_input(x, 0) == 0).any()


def test_sample_uses_eval_mode_and_the_averaged_generator():
    gan = mlp_gan()
    avg = MLPGenerator(latent_dim=4, out_dim=2, hidden=16, depth=2)
    nn.init.zeros_(avg.net[-1].weight) if hasattr(avg, "net") else None
    gan.use_averaged({"generator": avg})
    z = torch.randn(5, 4)
    assert torch.equal(gan.sample(5, z=z), avg(z).detach())
    assert torch.equal(gan.sample(5, z=z, averaged=False), gan.generator(z).detach())
    assert gan.generator.training  # restored


def test_tiny_gan_learns_a_1d_gaussian():
    from ganforge.data import load_dataset

    torch.manual_seed(0)
    data = load_dataset("gaussian1d", n=4096, seed=0)
    mean, std = data.mixture.centers.item(), data.mixture.std
    g = MLPGenerator(latent_dim=4, out_dim=1, hidden=32, depth=2)
    d = MLPDiscriminator(in_dim=1, hidden=32, depth=2)
    gan = GAN(g, d, latent_dim=4)
    Trainer(gan, data, steps=800, batch_size=128, lr_g=1e-3, lr_d=1e-3, precision="fp32",
            progress=False).fit()
    x = gan.sample(5000, generator=torch.Generator().manual_seed(1)).squeeze(1)
    assert abs(x.mean().item() - mean) < 0.25 * std, x.mean().item()
    assert abs(x.std().item() - std) < 0.25 * std, x.std().item()
    assert math.isfinite(x.sum().item())
