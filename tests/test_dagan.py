"""DAGAN: pair construction, the image-conditional generator, its step, and augment() on held-out classes."""

from __future__ import annotations

import pytest
import torch

from ganforge.data import DataError, Dataset, load_dataset


def labelled_images(labels, size=8):
    labels = torch.as_tensor(labels, dtype=torch.int64)
    data = torch.randint(0, 256, (len(labels), 1, size, size), dtype=torch.uint8)
    return Dataset(data, "toy", labels)


def test_pairs_never_pair_different_classes_or_an_image_with_itself():
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 2, 0, 3, 3, 1, 0] * 5)
    ds = labelled_images(labels).with_labels(partners=True)
    g = torch.Generator().manual_seed(0)
    index = torch.arange(len(ds)).repeat(20)
    partners = ds.partners(index, generator=g)
    assert torch.equal(labels[partners], labels[index])
    assert not (partners == index).any()
    # Every other member of a class is drawn (the draw covers the class, not a fixed neighbour).
    for i in range(len(labels)):
        got = set(partners[index == i].tolist())
        same = set(torch.nonzero(labels == labels[i]).flatten().tolist()) - {i}
        assert got <= same and len(got) >= min(len(same), 5)


def test_pair_batches_hold_images_partners_and_labels():
    ds = labelled_images([0, 0, 1, 1, 1, 2, 2]).with_labels(partners=True)
    x, partner, y = ds.batch(torch.tensor([0, 2, 5, 6]))
    assert x.shape == partner.shape == (4, 1, 8, 8) and y.tolist() == [0, 1, 2, 2]
    assert x.min() >= -1 and x.max() <= 1
    # The partner is a different stored image of the same class.
    for xi, pi, yi in zip(x, partner, y):
        members = ds.data[ds.labels == yi].float() / 127.5 - 1
        assert any(torch.equal(pi, m) for m in members)
        assert not torch.equal(pi, xi)


def test_pairs_need_two_images_per_class_and_labels():
    with pytest.raises(DataError, match="class 2 has one"):
        labelled_images([0, 0, 1, 1, 2]).with_labels(partners=True)
    with pytest.raises(DataError, match="has no labels"):
        Dataset(torch.zeros(4, 1, 8, 8, dtype=torch.uint8), "bare").with_labels(partners=True)


# -- networks and steps ----------------------------------------------------------------------------
from ganforge.gans.dagan import DAGAN  # noqa: E402
from ganforge.nets.dagan import DAGANGenerator, build_dagan_networks  # noqa: E402


@pytest.mark.parametrize("size", [8, 28, 32])
def test_dagan_networks_shapes(size):
    g, d = build_dagan_networks(data_shape=(1, size, size), latent_dim=5, width=4)
    x = torch.rand(3, 1, size, size) * 2 - 1
    out = g(x, torch.randn(3, 5))
    assert out.shape == x.shape and out.abs().max() <= 1
    assert d(torch.cat([x, out], 1)).shape == (3,)
    with pytest.raises(ValueError, match="expected noise"):
        g(x, torch.randn(2, 5))
    with pytest.raises(ValueError, match="expected images"):
        g(torch.zeros(3, 3, size, size), torch.randn(3, 5))


def test_dagan_generator_uses_both_the_image_and_the_noise():
    torch.manual_seed(0)
    g = DAGANGenerator(image_size=8, channels=1, latent_dim=4, width=8).eval()
    x = torch.rand(2, 1, 8, 8) * 2 - 1
    z = torch.randn(1, 4).expand(2, 4)
    a = g(x, z)
    assert not torch.allclose(a[0], a[1])  # different images, same noise
    b = g(x, torch.randn(2, 4))
    assert not torch.allclose(a, b)  # same images, other noise


class Recorder(torch.nn.Module):
    """A pair discriminator that records what it is shown."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))
        self.seen = []

    def forward(self, pairs):
        self.seen.append(pairs.detach().clone())
        return self.w * pairs.flatten(1).mean(1)


def test_dagan_discriminator_sees_real_pairs_and_fake_pairs_with_the_same_first_image():
    torch.manual_seed(0)
    g = DAGANGenerator(image_size=8, channels=1, latent_dim=4, width=4)
    d = Recorder()
    gan = DAGAN(g, d, latent_dim=4)
    ds = labelled_images([0, 0, 0, 1, 1, 1]).with_labels(partners=True)
    x, partner, y = ds.batch(torch.arange(6))
    out = gan.discriminator_step((x, partner, y), step=0)
    real_pairs, fake_pairs = d.seen
    assert real_pairs.shape == fake_pairs.shape == (6, 2, 8, 8)
    assert torch.equal(real_pairs[:, :1], x) and torch.equal(real_pairs[:, 1:], partner)
    assert torch.equal(fake_pairs[:, :1], x) and torch.equal(fake_pairs[:, 1:], gan._fake[0].detach())
    assert out["loss"].requires_grad
    gan.generator_step((x, partner, y), step=0)["loss"].backward()
    assert d.w.grad is None and any(p.grad is not None for p in g.parameters())
    assert not any(b.shape[-2:] == x.shape[-2:] for b in gan.buffers())  # no training images kept in the model


def test_dagan_preview_shows_fixed_sources_each_followed_by_its_variations():
    torch.manual_seed(0)
    g, d = build_dagan_networks(data_shape=(1, 8, 8), latent_dim=4, width=4)
    gan = DAGAN(g, d, latent_dim=4)
    ds = labelled_images([0, 0, 0, 1, 1, 1, 2, 2, 2]).with_labels(partners=True)
    first = gan.preview(16, seed=3, data=ds).samples
    assert first.shape == (16, 1, 8, 8)
    rows = first.reshape(4, 4, 1, 8, 8)
    images = ds.batch(torch.arange(len(ds)))[0]
    assert all(any(torch.equal(row[0], im) for im in images) for row in rows)  # each row starts with a source
    assert not torch.equal(rows[0, 1], rows[0, 2])  # and varies it
    assert torch.equal(gan.preview(16, seed=3, data=ds).samples, first)  # fixed sources and noise
    with pytest.raises(DataError, match="give the data set"):
        gan.preview(16)


def test_dagan_rejects_packing_and_augmentation():
    g, d = build_dagan_networks(data_shape=(1, 8, 8), latent_dim=4, width=4)
    with pytest.raises(ValueError, match="packing"):
        DAGAN(g, d, latent_dim=4, pack=2)
    with pytest.raises(ValueError, match="augmentation"):
        DAGAN(g, d, latent_dim=4, augment="translation")


def test_reconstruction_term_adds_its_weight_times_the_distance_to_the_source():
    torch.manual_seed(0)
    g, d = build_dagan_networks(data_shape=(1, 8, 8), latent_dim=4, width=4)
    ds = labelled_images([0, 0, 0, 1, 1, 1]).with_labels(partners=True)
    batch = ds.batch(torch.arange(6))
    outs = []
    for weight in (0.0, 2.5):
        torch.manual_seed(1)  # the same noise, so the same fakes
        gan = DAGAN(g, d, latent_dim=4, reconstruction=weight)
        outs.append(gan.generator_step(batch, step=0))
    plain, held = outs
    torch.manual_seed(1)
    fake = g(batch[0], torch.randn(6, 4))
    distance = (fake - batch[0]).abs().mean()
    assert "reconstruction" not in plain
    assert torch.allclose(held["reconstruction"], distance.detach())
    assert torch.allclose(held["loss"], plain["loss"] + 2.5 * distance, atol=1e-6)
    with pytest.raises(ValueError, match="reconstruction must be >= 0"):
        DAGAN(g, d, latent_dim=4, reconstruction=-1.0)


def test_reconstruction_term_pulls_the_variations_towards_their_source():
    torch.manual_seed(0)
    g, d = build_dagan_networks(data_shape=(1, 8, 8), latent_dim=4, width=4)
    gan = DAGAN(g, d, latent_dim=4, reconstruction=50.0)
    batch = labelled_images([0, 0, 0, 1, 1, 1]).with_labels(partners=True).batch(torch.arange(6))
    opt = torch.optim.Adam(g.parameters(), lr=2e-3)

    def distance() -> float:
        with torch.no_grad():
            return float((g(batch[0], torch.randn(6, 4)) - batch[0]).abs().mean())

    before = distance()
    for step in range(60):
        opt.zero_grad()
        gan.generator_step(batch, step)["loss"].backward()
        opt.step()
    assert distance() < 0.5 * before, (before, distance())


def test_dagan_section_sets_the_weight_and_refuses_a_negative_one():
    from ganforge.errors import ConfigError
    from ganforge.runs.experiment import build_gan, config_from

    cfg = config_from("digits-dagan", [{"model": {"width": 4}, "dagan": {"reconstruction": 3.0}}])
    assert build_gan(cfg, (1, 8, 8)).reconstruction == 3.0
    assert build_gan(config_from("digits-dagan"), (1, 8, 8)).reconstruction == 0.0
    with pytest.raises(ConfigError, match="dagan.reconstruction must be a number >= 0"):
        config_from("digits-dagan", [{"dagan": {"reconstruction": -1}}])


def test_augment_returns_k_variations_per_image():
    torch.manual_seed(0)
    gan = DAGAN(*build_dagan_networks(data_shape=(1, 8, 8), latent_dim=4, width=4), latent_dim=4)
    images = torch.randint(0, 256, (3, 1, 8, 8), dtype=torch.uint8)
    out = gan.augment(images, 5, generator=torch.Generator().manual_seed(0))
    assert out.shape == (3, 5, 1, 8, 8) and out.abs().max() <= 1
    assert not torch.allclose(out[0, 0], out[0, 1])  # the noise varies them
    same = gan.augment(images.float() / 127.5 - 1, 5, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(out, same)  # uint8 and [-1, 1] inputs are the same images
    with pytest.raises(DataError, match="variations of given images"):
        gan.sample(4)
    with pytest.raises(ValueError, match="k must be >= 1"):
        gan.augment(images, 0)


# -- run folders ---------------------------------------------------------------------------------
from ganforge.runs.experiment import load_run, train  # noqa: E402


def test_dagan_run_folder_resumes_bit_for_bit_and_loads(tmp_path, tiny_config):
    cfg = tiny_config()
    cfg["gan"]["kind"] = "dagan"
    full = train(cfg, out=tmp_path / "full")
    assert (tmp_path / "full" / "samples" / "step_0000006.png").is_file()
    cfg["train"]["steps"] = 3
    train(cfg, out=tmp_path / "half")
    cfg["train"]["steps"] = 6
    resumed = train(cfg, resume=tmp_path / "half")  # the partner draws are part of the RNG state
    for a, b in zip(full.gan.generator.state_dict().values(), resumed.gan.generator.state_dict().values()):
        assert torch.equal(a, b)
    gan, loaded = load_run(tmp_path / "full")
    assert isinstance(gan, DAGAN) and loaded.gan.kind == "dagan"
    assert gan.augment(torch.zeros(2, 1, 8, 8, dtype=torch.uint8), 3).shape == (2, 3, 1, 8, 8)


@pytest.mark.heavy
def test_dagan_trained_on_digits_0_to_4_varies_unseen_digits_within_their_class():
    """The held-out-class test: trained only on the 8x8 digits 0-4, DAGAN's variations of the digits
    5-9 are mostly still read as their source's digit by the shipped digits classifier (chance: 10%),
    and they are variations, not copies."""
    from ganforge.runs.experiment import build_gan, config_from
    from ganforge.features import get_extractor
    from ganforge.training import Trainer

    ds = load_dataset("digits")
    seen = ds.labels < 5
    train_set = Dataset(ds.data[seen], "digits 0-4", ds.labels[seen]).with_labels(partners=True)
    cfg = config_from("digits-dagan", [{"model": {"width": 16},
                                        "train": {"steps": 300, "batch_size": 32, "progress": False,
                                                  "precision": "fp32", "tensorboard": False}}])
    torch.manual_seed(0)
    gan = build_gan(cfg, train_set.sample_shape)
    Trainer(gan, train_set, cfg.train).fit()
    unseen = torch.nonzero(~seen).flatten()[:200]
    x, y = ds.data[unseen], ds.labels[unseen]
    variations = gan.augment(x, 5, generator=torch.Generator().manual_seed(0))
    logits = get_extractor("digits8")(variations.flatten(0, 1)).logits
    agreement = (torch.from_numpy(logits).argmax(1) == y.repeat_interleave(5)).float().mean().item()
    assert agreement > 0.35, agreement
    change = (variations - (x.float() / 127.5 - 1)[:, None]).abs().mean().item()
    spread = (variations[:, 0] - variations[:, 1]).abs().mean().item()
    # Not copies of the source; the noise changes them, though little at this budget (measured: change 0.29,
    # spread between two draws 0.01 in [-1, 1] units): DAGAN's G largely ignores z, a known conditional-GAN
    # failure that a mode-seeking term would address.
    assert change > 0.1 and spread > 0.005, (change, spread)
