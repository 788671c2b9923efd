"""Conditional GANs: the labelled data view, the networks' shapes and label handling, AC-GAN's
auxiliary loss and the projection discriminator against hand computations, config and run folders."""

from __future__ import annotations

import pytest
import torch

from ganforge.data import DataError, Dataset, load_dataset


def test_with_labels_view_gives_images_and_labels_and_keeps_the_plain_batch():
    ds = load_dataset("digits", n=50)
    x = ds.batch(torch.arange(4))
    view = ds.with_labels()
    xv, y = view.batch(torch.arange(4))
    assert torch.equal(x, xv) and torch.equal(y, ds.labels[:4])
    assert view.num_classes == 10 and len(view) == len(ds)
    assert isinstance(ds.batch(torch.arange(2)), torch.Tensor)  # the original is unchanged
    sub = view.subset(10, seed=1)
    assert isinstance(sub.batch(torch.arange(2)), tuple)  # views survive subsetting


def test_with_labels_needs_labels():
    bare = Dataset(torch.zeros(4, 1, 8, 8, dtype=torch.uint8), "bare")
    assert bare.num_classes == 0
    with pytest.raises(DataError, match="'bare' has no labels"):
        bare.with_labels()


# -- networks --------------------------------------------------------------------------------------
import math  # noqa: E402

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from ganforge.nets.conditional import (  # noqa: E402
    CONDITIONINGS,
    ConditionalBatchNorm2d,
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    build_conditional_networks,
)


@pytest.mark.parametrize("size", [8, 28])
@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_conditional_networks_shapes_and_label_checks(size, conditioning):
    torch.manual_seed(0)
    g, d = build_conditional_networks(conditioning, data_shape=(1, size, size), num_classes=4, latent_dim=6, width=8)
    z, y = torch.randn(5, 6), torch.tensor([0, 1, 2, 3, 1])
    x = g(z, y)
    assert x.shape == (5, 1, size, size) and x.abs().max() <= 1
    out = d(x, y)
    if conditioning == "auxiliary":
        logits, classes = out
        assert logits.shape == (5,) and classes.shape == (5, 4)
        assert torch.equal(d(x)[0], logits)  # the label is not an input of AC-GAN's D
    else:
        assert out.shape == (5,)
        assert not torch.allclose(out, d(x, (y + 1) % 4))  # D's verdict depends on the label
    for bad in (torch.tensor([0, 1, 2, 3, 4]), torch.tensor([0, 1, -1, 3, 1]), torch.tensor([0, 1])):
        with pytest.raises(ValueError, match="labels"):
            g(z, bad)
        if conditioning != "auxiliary":
            with pytest.raises(ValueError, match="labels"):
                d(x, bad)


def test_generator_output_depends_on_the_label():
    torch.manual_seed(0)
    g = ConditionalDCGANGenerator(latent_dim=6, num_classes=3, image_size=8, width=8).eval()
    z = torch.randn(1, 6).expand(3, 6)
    x = g(z, torch.tensor([0, 1, 2]))
    assert not torch.allclose(x[0], x[1]) and not torch.allclose(x[1], x[2])
    assert torch.allclose(g(z[:1], torch.tensor([1])), x[1:2], atol=1e-6)  # and only on it and z


def test_conditional_batch_norm_applies_the_class_scale_and_shift():
    torch.manual_seed(0)
    cbn = ConditionalBatchNorm2d(3, num_classes=2)
    with torch.no_grad():
        cbn.gamma.weight.copy_(torch.tensor([[1.0, 1.0, 1.0], [2.0, 0.5, -1.0]]))
        cbn.beta.weight.copy_(torch.tensor([[0.0, 0.0, 0.0], [1.0, -2.0, 3.0]]))
    x = torch.randn(4, 3, 5, 5)
    y = torch.tensor([0, 1, 1, 0])
    normed = (x - x.mean((0, 2, 3), keepdim=True)) / torch.sqrt(x.var((0, 2, 3), unbiased=False, keepdim=True) + 1e-5)
    expected = normed.clone()
    expected[y == 1] = normed[y == 1] * torch.tensor([2.0, 0.5, -1.0])[:, None, None] + torch.tensor(
        [1.0, -2.0, 3.0])[:, None, None]
    assert torch.allclose(cbn(x, y), expected, atol=1e-5)


def test_projection_discriminator_equals_the_hand_computation():
    torch.manual_seed(0)
    d = ConditionalDCGANDiscriminator(image_size=8, channels=1, num_classes=3, conditioning="projection", width=4,
                                      norm="none")
    x, y = torch.randn(6, 1, 8, 8), torch.tensor([0, 1, 2, 2, 1, 0])
    # phi by hand: conv 4x4 stride 2 padding 1, LeakyReLU(0.2), flattened.
    conv = d.trunk[0]
    phi = F.leaky_relu(F.conv2d(x, conv.weight, conv.bias, stride=2, padding=1), 0.2).flatten(1)
    assert phi.shape == (6, 4 * 4 * 4) == (6, d.feature_dim)
    psi = phi @ d.psi.weight[0] + d.psi.bias[0]
    projection = torch.stack([phi[i] @ d.embed.weight[y[i]] for i in range(6)])
    assert torch.allclose(d(x, y), psi + projection, atol=1e-5)


def test_concat_discriminator_sees_the_one_hot_label_as_channels():
    torch.manual_seed(0)
    d = ConditionalDCGANDiscriminator(image_size=8, channels=1, num_classes=3, conditioning="concat", width=4,
                                      norm="none")
    conv = d.trunk[0]
    assert conv.weight.shape[1] == 1 + 3
    x, y = torch.randn(2, 1, 8, 8), torch.tensor([2, 0])
    planes = torch.zeros(2, 3, 8, 8)
    planes[0, 2], planes[1, 0] = 1, 1
    h = F.leaky_relu(F.conv2d(torch.cat([x, planes], 1), conv.weight, conv.bias, stride=2, padding=1), 0.2)
    assert torch.allclose(d(x, y), h.flatten(1) @ d.psi.weight[0] + d.psi.bias[0], atol=1e-5)


# -- GAN classes -----------------------------------------------------------------------------------
from ganforge.gans.conditional import ACGAN, ConditionalGAN  # noqa: E402


class FixedAuxD(nn.Module):
    """An AC-GAN discriminator stub with known outputs: adversarial logits 0, fixed class logits."""

    def __init__(self, class_logits):
        super().__init__()
        self.class_logits = class_logits
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x):
        n = x.shape[0]
        return 0 * self.scale * x.flatten(1).sum(1), self.scale * self.class_logits[:n]


class LabelEcho(nn.Module):
    """A generator stub: the image is the label (a constant plane), plus 0 * z."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(()))

    def forward(self, z, y):
        return (self.w * y.float() + 0 * z.sum(1))[:, None, None, None].expand(-1, 1, 8, 8)


def test_acgan_auxiliary_loss_on_known_inputs():
    # Two classes; class logits (0, log 3): P(class 1) = 3/4, P(class 0) = 1/4.
    logits = torch.tensor([[0.0, math.log(3)], [0.0, math.log(3)]])
    gan = ACGAN(LabelEcho(), FixedAuxD(logits), latent_dim=2, num_classes=2, aux_weight=0.5)
    real, y = torch.zeros(2, 1, 8, 8), torch.tensor([1, 0])
    ce = (-math.log(3 / 4) - math.log(1 / 4)) / 2  # cross-entropy of the batch, for real and for fake alike
    out = gan.discriminator_step((real, y), step=0)
    adv = 2 * math.log(2)  # nonsaturating D loss at logits 0: softplus(0) + softplus(0)
    assert out["d_loss"].item() == pytest.approx(adv, abs=1e-6)
    assert out["d_aux"].item() == pytest.approx(ce, abs=1e-6)  # D's classifier learns from real images only
    assert out["loss"].item() == pytest.approx(adv + 0.5 * ce, abs=1e-6)
    gan.aux_fake = True  # Odena et al.: and from the fakes' requested labels
    out = gan.discriminator_step((real, y), step=0)
    assert out["d_aux"].item() == pytest.approx(2 * ce, abs=1e-6)
    assert out["loss"].item() == pytest.approx(adv + 0.5 * 2 * ce, abs=1e-6)
    assert out["d_real_acc"].item() == pytest.approx(0.5)  # argmax says class 1 for both
    out = gan.generator_step((real, y), step=0)
    assert out["g_aux"].item() == pytest.approx(ce, abs=1e-6)
    assert out["loss"].item() == pytest.approx(math.log(2) + 0.5 * ce, abs=1e-6)


def test_conditional_steps_make_fakes_of_the_batch_labels_and_keep_d_out_of_g_gradients():
    torch.manual_seed(0)
    g, d = build_conditional_networks("projection", data_shape=(1, 8, 8), num_classes=3, latent_dim=4, width=4)
    gan = ConditionalGAN(g, d, latent_dim=4, num_classes=3, penalty="r1", penalty_weight=1.0)
    batch = (torch.rand(6, 1, 8, 8) * 2 - 1, torch.tensor([0, 1, 2, 0, 1, 2]))
    out = gan.discriminator_step(batch, step=0)
    assert {"loss", "d_loss", "d_real", "d_fake", "penalty"} <= set(out)
    assert torch.equal(gan._fake[2], batch[1])
    gan.generator_step(batch, step=0)["loss"].backward()
    assert all(p.grad is None for p in gan.discriminator.parameters())
    assert any(p.grad is not None for p in gan.generator.parameters())
    seeking = ConditionalGAN(g, d, latent_dim=4, num_classes=3, mode_seeking=1.0)
    seeking.discriminator_step(batch, step=0)
    out = seeking.generator_step(batch, step=0)  # pairs fakes of the same label: (0, 3), (1, 4), (2, 5)
    assert out["mode_seeking"] > 0
    gp = ConditionalGAN(g, d, latent_dim=4, num_classes=3, penalty="gradient_penalty")
    assert gp.discriminator_step(batch, step=0)["penalty"] >= 0
    with pytest.raises(ValueError, match="packing"):
        ConditionalGAN(g, d, latent_dim=4, num_classes=3, pack=2)


def test_sample_resolves_labels():
    gan = ConditionalGAN(LabelEcho(), FixedAuxD(torch.zeros(1, 3)), latent_dim=2, num_classes=3)
    assert gan.sample(6)[:, 0, 0, 0].tolist() == [0, 0, 1, 1, 2, 2]  # default: equal blocks of classes
    assert gan.sample(3, labels=2)[:, 0, 0, 0].tolist() == [2, 2, 2]
    assert gan.sample(3, labels=[1, 0, 2])[:, 0, 0, 0].tolist() == [1, 0, 2]
    assert gan.sample(5, labels=torch.tensor([2, 2, 0, 1, 1]), batch_size=2)[:, 0, 0, 0].tolist() == [2, 2, 0, 1, 1]
    for bad, match in [(3, "0..2"), ([0, 1], "one per sample"), ([0.5, 1.0, 1.0], "integers")]:
        with pytest.raises(ValueError, match=match):
            gan.sample(3, labels=bad)


@pytest.mark.parametrize("kind", ["cgan", "acgan", "projection"])
def test_each_conditional_gan_learns_which_class_is_bright(kind):
    """Class 0 images are dark, class 1 bright: after a short training, samples follow the label."""
    from ganforge.training import Trainer

    torch.manual_seed(0)
    labels = torch.arange(256) % 2
    base = torch.rand(256, 1, 8, 8) * 40
    images = (base + labels[:, None, None, None] * 200).to(torch.uint8)
    data = Dataset(images, "dark-bright", labels).with_labels()
    from ganforge.gans.types import CLASS_CONDITIONAL

    cls, conditioning = (ACGAN if kind == "acgan" else ConditionalGAN), CLASS_CONDITIONAL[kind]
    g, d = build_conditional_networks(conditioning, data_shape=(1, 8, 8), num_classes=2, latent_dim=4, width=8)
    gan = cls(g, d, latent_dim=4, num_classes=2)
    Trainer(gan, data, steps=150, batch_size=32, lr_g=2e-3, lr_d=2e-3, progress=False, precision="fp32").fit()
    gen = torch.Generator().manual_seed(1)
    dark = gan.sample(64, labels=0, generator=gen).mean().item()
    bright = gan.sample(64, labels=1, generator=gen).mean().item()
    assert bright - dark > 1.0, (dark, bright)  # the classes are 1.57 apart in [-1, 1] units


# -- config, run folders ---------------------------------------------------------------------------
import numpy as np  # noqa: E402

from ganforge.config import ConfigError  # noqa: E402
from ganforge.experiment import load_run, train  # noqa: E402


def run_config(tiny_config, kind, **train_kw):
    cfg = tiny_config(**train_kw)
    cfg["gan"]["kind"] = kind
    return cfg


@pytest.mark.parametrize("kind,cls", [("cgan", ConditionalGAN), ("acgan", ACGAN), ("projection", ConditionalGAN)])
def test_conditional_run_folder_trains_saves_and_loads(tmp_path, tiny_config, kind, cls):
    trainer = train(run_config(tiny_config, kind), out=tmp_path / "run")
    assert (tmp_path / "run" / "samples" / "step_0000006.png").is_file()
    assert trainer.memory_format == torch.channels_last
    assert trainer._next_batch()[0].is_contiguous(memory_format=torch.channels_last)  # (images, labels): images
    gan, cfg = load_run(tmp_path / "run")
    assert type(gan) is cls and gan.num_classes == 10 and cfg.gan.kind == kind
    assert gan.describe()["conditioning"] == {"cgan": "concat", "acgan": "auxiliary", "projection": "projection"}[kind]
    gen = torch.Generator().manual_seed(0)
    x = gan.sample(4, labels=[0, 1, 2, 3], generator=gen)
    gen = torch.Generator().manual_seed(0)
    assert torch.equal(x, trainer.gan.sample(4, labels=[0, 1, 2, 3], generator=gen).cpu())


def test_conditional_resume_continues_bit_for_bit(tmp_path, tiny_config):
    full = train(run_config(tiny_config, "projection"), out=tmp_path / "full")
    train(run_config(tiny_config, "projection", steps=3), out=tmp_path / "half")
    resumed = train(run_config(tiny_config, "projection"), resume=tmp_path / "half")
    for a, b in zip(full.gan.generator.state_dict().values(), resumed.gan.generator.state_dict().values()):
        assert torch.equal(a, b)


def test_num_classes_from_config_must_cover_the_labels(tmp_path, tiny_config):
    cfg = run_config(tiny_config, "cgan", steps=1)
    cfg["gan"]["num_classes"] = 12
    train(cfg, out=tmp_path / "twelve")
    gan, _ = load_run(tmp_path / "twelve")
    assert gan.num_classes == 12 and gan.sample(2, labels=11).shape == (2, 1, 8, 8)
    cfg["gan"]["num_classes"] = 5
    with pytest.raises(ConfigError, match="num_classes=5 but data set 'digits' has labels up to 9"):
        train(cfg, out=tmp_path / "five")
    assert not (tmp_path / "five").exists()


def test_conditional_kinds_need_labelled_images(tmp_path, tiny_config):
    np.save(tmp_path / "bare.npy", np.zeros((20, 8, 8), np.uint8))
    cfg = run_config(tiny_config, "acgan")
    cfg["data"]["source"] = str(tmp_path / "bare.npy")
    with pytest.raises(ConfigError, match="gan.kind=acgan: data set 'bare' has no labels"):
        train(cfg, out=tmp_path / "run")
    cfg["data"]["source"] = "ring8"
    with pytest.raises(ConfigError, match="gan.kind=acgan needs images"):
        train(cfg, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("bad,match", [
    ({"gan": {"kind": "cgan"}, "model": {"arch": "mlp"}}, "set model.arch=dcgan"),
    ({"gan": {"kind": "projection", "pack": 2}}, "gan.pack applies to gan.kind=gan only"),
    ({"gan": {"num_classes": 3}}, "gan.num_classes applies to gan.kind cgan, acgan, projection"),
    ({"gan": {"kind": "acgan", "num_classes": 1}}, "gan.num_classes must be >= 2"),
    ({"gan": {"kind": "acgan", "aux_weight": -1}}, "gan.aux_weight must be >= 0"),
    ({"gan": {"kind": "dagan", "augment": "translation"}}, "does not apply to gan.kind=dagan"),
    ({"gan": {"kind": "dagan", "mode_seeking": 1.0}}, "gan.mode_seeking does not apply to gan.kind=dagan"),
    ({"gan": {"kind": "cgan", "mode_seeking": -1.0}}, "gan.mode_seeking must be >= 0"),
    ({"gan": {"kind": "infogan"}}, r"gan.kind: unknown GAN type .infogan.*choose from gan, cgan, acgan, projection, dagan"),
        ({"gan": {"kind": "cgna"}}, "did you mean .cgan."),
])
def test_config_rejects_bad_conditional_settings(bad, match):
    from ganforge.config import resolve

    with pytest.raises(ConfigError, match=match):
        resolve(bad)


def test_conditional_presets_resolve_and_build():
    from ganforge.experiment import build_gan, config_from
    from ganforge.presets import PRESETS

    conditional = {"cgan", "acgan", "projection", "dagan"}  # image-to-image presets build from their data's metadata
    names = [n for n in PRESETS if PRESETS[n].overrides.get("gan", {}).get("kind", "gan") in conditional]
    assert {"mnist-cgan", "mnist-acgan", "mnist-projection", "digits-cgan", "mnist-dagan", "digits-dagan"} <= set(names)
    for name in names:
        cfg = config_from(name)
        size = 28 if cfg.data.source == "mnist" else 8
        gan = build_gan(cfg, (1, size, size), num_classes=10)
        assert gan.sample_latent(2).shape == (2, cfg.model.latent_dim)


# -- metrics ---------------------------------------------------------------------------------------
def _gauss_fd(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance of Gaussians fitted to a and b, in 1-D per coordinate sums (diagonal covariances)."""
    from scipy.linalg import sqrtm

    ma, mb = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    return float(((ma - mb) ** 2).sum() + np.trace(sa + sb - 2 * np.real(sqrtm(sa @ sb))))


def test_intra_fd_is_the_per_class_frechet_distance_and_catches_swapped_classes():
    from ganforge.metrics import get_metric

    rng = np.random.default_rng(0)
    real = np.concatenate([rng.normal(0, 1, (300, 3)), rng.normal(4, 1, (300, 3))]).astype(np.float32)
    real_y = np.repeat([0, 1], 300)
    fake = np.concatenate([rng.normal(0.5, 1.2, (200, 3)), rng.normal(4, 0.8, (200, 3))]).astype(np.float32)
    fake_y = np.repeat([0, 1], 200)
    rec = get_metric("intra_fd")(fake, fake_y, real, real_y, extractor="identity")
    for c in (0, 1):
        expected = _gauss_fd(fake[fake_y == c].astype(np.float64), real[real_y == c].astype(np.float64))
        assert rec["values"][f"intra_fd/{c}"] == pytest.approx(expected, rel=1e-6)
        assert rec["per_class"][str(c)] == {"fd": rec["values"][f"intra_fd/{c}"], "n_fake": 200, "n_real": 300}
    assert rec["values"]["intra_fd"] == pytest.approx((rec["values"]["intra_fd/0"] + rec["values"]["intra_fd/1"]) / 2)
    # Good samples of the wrong class: the pooled FD does not notice, the intra-FD does.
    swapped = get_metric("intra_fd")(fake, 1 - fake_y, real, real_y, extractor="identity")["values"]["intra_fd"]
    pooled = get_metric("fid")(fake, real, extractor="identity")["values"]["fid"]
    assert swapped > 20 * rec["values"]["intra_fd"] and pooled < rec["values"]["intra_fd"] * 2
    with pytest.raises(DataError, match="class 1 has 1 generated"):
        get_metric("intra_fd")(fake[:201], fake_y[:201], real, real_y, extractor="identity")
    with pytest.raises(DataError, match="one label per sample"):
        get_metric("intra_fd")(fake, fake_y[:5], real, real_y, extractor="identity")


def test_conditional_scores_of_a_generator_that_returns_real_digits_by_label():
    """A 'generator' that returns real 8x8 digits of the requested class scores like the real data."""
    from ganforge.metrics.conditional import conditional_scores

    ds = load_dataset("digits")

    class RealDigits:
        num_classes = 10

        def sample(self, n, labels, generator):
            out = torch.empty(n, 1, 8, 8)
            for c in range(10):
                pool = ds.data[ds.labels == c]
                idx = torch.randint(len(pool), (int((labels == c).sum()),), generator=generator)
                out[labels == c] = pool[idx].float() / 127.5 - 1
            return out

    s = conditional_scores(RealDigits(), ds.data, ds.labels, n_per_class=60, extractor="digits")
    assert s["extractor"] == "digits8" and s["n_per_class"] == 60
    assert s["cond_acc"] > 0.95 and set(s["intra_fd_per_class"]) == {str(c) for c in range(10)}
    shuffled = RealDigits()
    shuffled.sample = lambda n, labels, generator: RealDigits().sample(n, (labels + 1) % 10, generator)
    bad = conditional_scores(shuffled, ds.data, ds.labels, n_per_class=60, extractor="digits")
    assert bad["cond_acc"] < 0.1 and bad["intra_fd"] > 5 * s["intra_fd"]
