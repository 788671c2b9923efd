"""Proof by plug-in: BiGAN/ALI (Donahue et al. 2017; Dumoulin et al. 2017), a GAN type ganforge does not
have, defined, registered and trained from a config through the command line by this file alone.

Three networks in two phases: D judges (x, z) pairs, real (x, E(x)) against fake (G(z), z); G and E
are optimised together against it. D also sees, in place of half its fresh fake pairs, pairs from a
pool of past fakes (Shrivastava et al. 2017, as CycleGAN does): training state outside the networks,
which must survive checkpoint and resume exactly (``extra_state``).
"""

from __future__ import annotations

import dataclasses

import pytest
import torch
import yaml
from torch import nn

from ganforge.cli import main
from ganforge.errors import ConfigError
from ganforge.gans import GAN
from ganforge.gans.protocol import Phase
from ganforge.registry import GAN_TYPES, GANType
from ganforge.training import load_checkpoint


@dataclasses.dataclass
class BiGANSection:
    """The ``bigan:`` section of a config."""

    pool_size: int = 16  # past fake pairs D may be shown instead of fresh ones; 0: no pool


def mlp(n_in: int, n_out: int, width: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, width), nn.LeakyReLU(0.2), nn.Linear(width, n_out))


class BiGAN(GAN):
    def __init__(self, generator: nn.Module, encoder: nn.Module, discriminator: nn.Module, latent_dim: int,
                 pool_size: int, **options) -> None:
        super().__init__(generator, discriminator, latent_dim, **options)
        self.encoder, self.pool_size = encoder, pool_size
        self.pool = torch.zeros(0)

    def networks(self):
        return {"generator": self.generator, "encoder": self.encoder, "discriminator": self.discriminator}

    def phases(self, train):
        betas = tuple(train.betas)
        return [Phase("discriminator", ("discriminator",), self.discriminator_step, train.lr_d, betas,
                      repeats=self.critic_repeats),
                Phase("generator_encoder", ("generator", "encoder"), self.generator_step, train.lr_g, betas,
                      fresh_batch=False)]

    def make_fakes(self, x):
        z = self.sample_latent(x.shape[0])
        return self.generator(z), z, self.encoder(x)

    def from_pool(self, pairs):
        """Half the fake pairs swapped for past ones once the pool is full; the pool takes their place."""
        if len(self.pool) < self.pool_size:
            self.pool = torch.cat([self.pool, pairs])[: self.pool_size] if len(self.pool) else pairs[: self.pool_size]
            return pairs
        swap = torch.rand(len(pairs)) < 0.5
        index = torch.randint(len(self.pool), (len(pairs),))
        out = torch.where(swap[:, None], self.pool[index], pairs)
        self.pool = self.pool.index_copy(0, index[swap], pairs[swap])
        return out

    def discriminator_step(self, x, step):
        fake, z, code = self.critic_fakes(x)
        fake_pairs = self.from_pool(torch.cat([fake, z], 1).detach())
        return self.judge(torch.cat([x, code.detach()], 1), fake_pairs)

    def generator_step(self, x, step):
        fake, z, code = self.generator_fakes(x)
        with self.frozen_discriminator() as d:
            fake_logits, real_logits = d(torch.cat([fake, z], 1)), d(torch.cat([x, code], 1))
        loss = self.loss.g_loss(fake_logits) + self.loss.g_loss(-real_logits)  # G and E fool D both ways
        return {"loss": loss, "ge_loss": loss.detach()}

    def extra_state(self):
        return {"pool": self.pool.detach().cpu()}

    def load_extra_state(self, state):
        self.pool = state["pool"].to(self._device())


def build_bigan(config, metadata):
    (dim,) = metadata["sample_shape"]
    m, width = config.model, config.model.width or 32
    return BiGAN(mlp(m.latent_dim, dim, width), mlp(dim, m.latent_dim, width), mlp(dim + m.latent_dim, 1, width),
                 m.latent_dim, config.sections["bigan"].pool_size, loss=config.gan.loss)


def check_bigan(config, warn):
    if config.sections["bigan"].pool_size < 0:
        raise ConfigError(f"bigan.pool_size must be >= 0; got {config.sections['bigan'].pool_size}")


def vectors_only(config, dataset):
    if dataset.modality == "image":
        raise ConfigError("gan.kind=bigan (this plug-in) takes vectors")
    return dataset


@pytest.fixture(autouse=True)
def bigan_registered():
    GAN_TYPES.register("bigan", GANType(build=build_bigan, check=check_bigan, data_view=vectors_only,
                                        section=BiGANSection, description="BiGAN/ALI (a test plug-in)"))
    yield
    GAN_TYPES.unregister("bigan")


def config_file(tmp_path, steps=4, **bigan):
    cfg = {"name": "bigan", "data": {"source": "ring8", "n": 512},
           "model": {"arch": "mlp", "latent_dim": 2, "width": 16}, "gan": {"kind": "bigan"},
           "bigan": {"pool_size": 8, **bigan},
           "train": {"steps": steps, "batch_size": 32, "log_every": 1, "sample_every": 2, "checkpoint_every": 2,
                     "progress": False, "tensorboard": False, "precision": "fp32", "ema": 0.9}}
    path = tmp_path / f"bigan-{steps}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_bigan_trains_from_a_config_through_the_command_line_and_previews(tmp_path):
    run = tmp_path / "run"
    assert main(["train", str(config_file(tmp_path)), "--out", str(run)]) == 0
    state = load_checkpoint(run / "checkpoints" / "last.pt")
    assert set(state["networks"]) == {"generator", "encoder", "discriminator"}
    assert set(state["optimizers"]) == {"discriminator", "generator_encoder"}
    assert state["extra"]["pool"].shape == (8, 4)  # (x, z) pairs of past fakes
    assert yaml.safe_load((run / "config.yaml").read_text())["bigan"] == {"pool_size": 8}
    log = [yaml.safe_load(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert {"lr/discriminator", "lr/generator_encoder", "ge_loss", "d_loss"} <= {k for rec in log for k in rec}
    assert (run / "samples" / "step_0000004.png").is_file()

    from ganforge.runs.experiment import load_data, load_run

    gan, cfg = load_run(run)
    assert isinstance(gan, BiGAN) and cfg.sections["bigan"].pool_size == 8
    assert torch.equal(gan.encoder[0].weight, state["networks"]["encoder"]["0.weight"])
    preview = gan.preview(seed=0, data=load_data(cfg))
    assert preview.samples.shape == (2500, 2) and preview.background.shape == (512, 2)
    assert torch.equal(gan.preview(seed=0).samples, gan.preview(seed=0).samples)  # fixed noise
    assert gan.sample(5).shape == (5, 2)


def test_bigan_resumes_bit_for_bit_with_its_pool_and_not_without_it(tmp_path):
    def final(run):
        return load_checkpoint(run / "checkpoints" / "last.pt")

    straight, resumed, dropped = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert main(["train", str(config_file(tmp_path, steps=8)), "--out", str(straight)]) == 0
    for run in (resumed, dropped):
        assert main(["train", str(config_file(tmp_path, steps=4)), "--out", str(run)]) == 0
    assert final(resumed)["extra"]["pool"].shape == (8, 4)
    state = final(dropped)
    state["extra"]["pool"] = torch.zeros(0)  # as if the pool were not checkpointed
    torch.save(state, dropped / "checkpoints" / "last.pt")
    for run in (resumed, dropped):
        assert main(["train", "--resume", str(run), "--set", "train.steps=8"]) == 0

    a, b, c = final(straight), final(resumed), final(dropped)
    assert a["step"] == b["step"] == 8
    for name, weights in a["networks"].items():
        assert all(torch.equal(t, b["networks"][name][k]) for k, t in weights.items()), name
    assert all(torch.equal(t, b["averaged"]["generator"][k]) for k, t in a["averaged"]["generator"].items())
    assert torch.equal(a["extra"]["pool"], b["extra"]["pool"])
    assert not all(torch.equal(t, c["networks"]["discriminator"][k])
                   for k, t in a["networks"]["discriminator"].items())  # the pool is part of the trajectory


def test_bigan_config_errors_name_the_plug_in_keys(tmp_path, capsys):
    assert main(["train", str(config_file(tmp_path, pool_size=-1)), "--out", str(tmp_path / "r")]) == 2
    assert "bigan.pool_size must be >= 0" in capsys.readouterr().err
    assert main(["train", str(config_file(tmp_path)), "--set", "bigan.pool_sise=3", "--out", str(tmp_path / "r")]) == 2
    assert "did you mean 'bigan.pool_size'" in capsys.readouterr().err
