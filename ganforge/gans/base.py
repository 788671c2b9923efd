"""The GAN skeleton, and the unconditional GAN on it.

A GAN type declares its :meth:`~GAN.phases` (records the :class:`~ganforge.training.Trainer`
runs: here D ``n_critic`` times on fresh batches, then G on the last batch), its networks, the
networks the Trainer averages, its :meth:`~GAN.extra_state` and its :meth:`~GAN.preview`. What
every adversarial type needs is written here once: sampling in eval mode with the averaged
generator (:meth:`~GAN.sampling`), reusing D's fakes in G's step when ``n_critic`` is 1
(:meth:`~GAN.critic_fakes` / :meth:`~GAN.generator_fakes` around the type's
:meth:`~GAN.make_fakes`), and the frozen, unwrapped D of G's step
(:meth:`~GAN.frozen_discriminator`). Variants (conditional, DAGAN, tabular) override
``make_fakes``, the two step methods and ``sample``.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Mapping

import torch
from torch import Tensor, nn

from ganforge.diffaugment import DiffAugment
from ganforge.losses import get_loss, gradient_penalty, r1_penalty
from ganforge.gans.protocol import Phase, Preview, StepOutput, frozen, samples_of
from ganforge.nets import unwrap

__all__ = ["GAN", "Phase", "Preview", "StepOutput", "frozen"]

#: Points drawn in the preview of a GAN of 2-D or 1-D samples; images make a grid of 64.
PREVIEW_POINTS, PREVIEW_IMAGES = 2500, 64


class GAN(nn.Module):
    """A generator G(z) and a discriminator D(x) trained adversarially.

    Args:
        generator: maps latent vectors ``(B, latent_dim)`` to samples.
        discriminator: maps samples (packed, see ``pack``) to logits of any shape.
        latent_dim: size of the latent vector.
        loss: adversarial loss name (see :data:`ganforge.losses.LOSSES`).
        penalty: ``None``, ``"gradient_penalty"`` (WGAN-GP) or ``"r1"``.
        penalty_weight: lambda of the gradient penalty, gamma of R1 (applied as gamma/2).
        n_critic: discriminator steps per generator step.
        label_smoothing: one-sided label smoothing; D's target for real data is ``1 - label_smoothing``.
        instance_noise: std of Gaussian noise added to D's inputs (real and fake) at step 0.
        instance_noise_steps: the noise decays linearly to 0 over this many steps (0: constant).
        augment: differentiable augmentation policy for D's inputs, e.g. ``"translation,cutout,color"``.
        pack: PacGAN packing degree: D judges ``pack`` samples concatenated along the feature axis
            (so D must accept ``pack`` times the channels or features of one sample).
        mode_seeking: weight of the mode-seeking term (Mao et al. 2019, MSGAN) in G's loss, 0 for
            none: see :meth:`mode_seeking_term`.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        latent_dim: int,
        *,
        loss: str = "nonsaturating",
        penalty: str | None = None,
        penalty_weight: float = 10.0,
        n_critic: int = 1,
        label_smoothing: float = 0.0,
        instance_noise: float = 0.0,
        instance_noise_steps: int = 0,
        augment: str | None = None,
        pack: int = 1,
        mode_seeking: float = 0.0,
    ) -> None:
        super().__init__()
        if penalty in ("none", ""):
            penalty = None
        if penalty not in (None, "gradient_penalty", "r1"):
            raise ValueError(f"unknown penalty {penalty!r}; choose none, gradient_penalty or r1")
        if mode_seeking < 0:
            raise ValueError(f"mode_seeking must be >= 0; got {mode_seeking}")
        if n_critic < 1 or pack < 1:
            raise ValueError(f"n_critic and pack must be >= 1; got n_critic={n_critic}, pack={pack}")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.loss = get_loss(loss)
        if label_smoothing and not self.loss.supports_label_smoothing:
            raise ValueError(f"label smoothing does not apply to the {loss} loss")
        self.penalty = penalty
        self.penalty_weight = penalty_weight
        self.n_critic = n_critic
        self.real_target = 1.0 - label_smoothing
        self.instance_noise = instance_noise
        self.instance_noise_steps = instance_noise_steps
        self.diff_augment = DiffAugment(augment) if augment else None
        self.pack = pack
        self.mode_seeking = mode_seeking
        self.averaged: dict[str, nn.Module] = {}  # averaged copies, given by use_averaged
        self._fake: Any = None  # the D step's fakes (and what made them), reused by the G step when n_critic == 1

    # -- what the Trainer needs to know -----------------------------------------------------
    def networks(self) -> dict[str, nn.Module]:
        """The trainable networks by name (names are attributes of this object)."""
        return {"generator": self.generator, "discriminator": self.discriminator}

    def phases(self, train: Any) -> list[Phase]:
        """D ``n_critic`` times (fresh batches), then G on the last batch; Adam settings from ``train``
        (a :class:`ganforge.config.TrainConfig`: ``lr_d``, ``lr_g``, ``betas``)."""
        betas = tuple(train.betas)
        return [Phase("discriminator", ("discriminator",), self.discriminator_step, train.lr_d, betas,
                      repeats=self.critic_repeats),
                Phase("generator", ("generator",), self.generator_step, train.lr_g, betas, fresh_batch=False)]

    def critic_repeats(self, step: int) -> int:
        """D steps per training step: ``n_critic``."""
        return self.n_critic

    def averaged_networks(self) -> tuple[str, ...]:
        """Networks of which the Trainer keeps an exponential moving average."""
        return ("generator",)

    def use_averaged(self, copies: Mapping[str, nn.Module]) -> None:
        """Take the averaged copies (``{name: module}``, of :meth:`averaged_networks`) that sampling uses.

        The one call through which the Trainer (its EMA) or a loaded run hands them over; the GAN
        never updates them itself.
        """
        self.averaged = dict(copies)

    def extra_state(self) -> dict[str, Any]:
        """Training state kept outside the networks (tensors and plain data), checkpointed with them.

        None here; a type with a pool of past fakes or a running statistic returns it, so resume is exact.
        """
        return {}

    def load_extra_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`extra_state`."""
        if state:
            raise ValueError(f"{type(self).__name__} keeps no extra state; got {', '.join(map(str, state))}")

    # -- sampling -----------------------------------------------------------------------------
    def sample_latent(self, n: int, device: torch.device | None = None,
                      generator: torch.Generator | None = None) -> Tensor:
        """Standard normal latent vectors ``(n, latent_dim)``."""
        device = device or self._device()
        return torch.randn(n, self.latent_dim, device=device, generator=generator)

    @contextlib.contextmanager
    def sampling(self, averaged: bool = True, name: str = "generator") -> Iterator[nn.Module]:
        """The generator that samples (the network called ``name``; types with several generators, such
        as CycleGAN, name one), in eval mode for the duration: the averaged copy when there is one and
        ``averaged``, else the trained one; never a DDP wrapper."""
        net = self.averaged.get(name) if averaged else None
        net = unwrap(net if net is not None else getattr(self, name))
        was_training = net.training
        net.eval()
        try:
            yield net
        finally:
            net.train(was_training)

    @torch.no_grad()
    def sample(self, n: int, *, z: Tensor | None = None, generator: torch.Generator | None = None,
               averaged: bool = True, batch_size: int = 500) -> Tensor:
        """Generate ``n`` samples in eval mode (with the EMA generator when there is one), in float32."""
        with self.sampling(averaged) as net:
            z = self.sample_latent(n, generator=generator) if z is None else z.to(self._device())
            return torch.cat([net(chunk).float() for chunk in z.split(batch_size)])

    @torch.no_grad()
    def preview(self, n: int | None = None, seed: int = 0, data: Any = None) -> Preview:
        """The run's picture: samples from fixed noise (``seed``), the same at every call.

        Images: a grid of ``n`` (default 64). Points: ``n`` (default 2500) over the first real points of
        ``data`` (anything with ``len`` and ``batch(index)``), when given.
        """
        real = None
        if data is not None:
            first = samples_of(data.batch(torch.arange(1)))
            if first is not None and first.ndim != 4:
                real = samples_of(data.batch(torch.arange(min(len(data), PREVIEW_POINTS))))
        count = n or (PREVIEW_IMAGES if data is None or real is None else PREVIEW_POINTS)
        z = self.sample_latent(count, device=torch.device("cpu"), generator=torch.Generator().manual_seed(seed))
        return Preview(self.sample(count, z=z), real)

    # -- the adversarial step -------------------------------------------------------------------
    def make_fakes(self, batch: Any) -> tuple[Any, ...]:
        """Fakes for a batch, first item the fake samples, then what made them (here ``(G(z), z)``)."""
        z = self.sample_latent(batch.shape[0])
        return self.generator(z), z

    def critic_fakes(self, batch: Any) -> tuple[Any, ...]:
        """:meth:`make_fakes` for D's step; kept, with their graph, for G's step when ``n_critic`` is 1."""
        keep = self.n_critic == 1 and torch.is_grad_enabled()
        with torch.set_grad_enabled(keep):
            fakes = self.make_fakes(batch)
        self._fake = fakes if keep else None
        return fakes

    def generator_fakes(self, batch: Any) -> tuple[Any, ...]:
        """The fakes D's step kept, or fresh ones (``n_critic`` > 1, or G's step run alone)."""
        fakes = self._fake if self._fake is not None else self.make_fakes(batch)
        self._fake = None
        return fakes

    @contextlib.contextmanager
    def frozen_discriminator(self) -> Iterator[nn.Module]:
        """D for G's step: frozen (no gradients of its own) and the plain module, never the DDP wrapper,
        so G's step does not arm a gradient all-reduce for D."""
        discriminator = unwrap(self.discriminator)
        with frozen(discriminator):
            yield discriminator

    def discriminator_step(self, real: Tensor, step: int) -> StepOutput:
        """D's loss on a real batch and a batch of fresh fakes, plus its penalty."""
        fake, _ = self.critic_fakes(real)
        return self.judge(self.judge_input(real, step), self.judge_input(fake.detach(), step))

    def judge(self, real_in: Tensor, fake_in: Tensor,
              critic: Callable[[Tensor], Tensor] | None = None) -> StepOutput:
        """D's adversarial loss on prepared real and fake inputs, plus its penalty (shared by GAN types).

        ``critic`` maps D's input to its logits (default: the discriminator itself; conditional GANs
        bind the labels). The penalty is taken through the same critic.
        """
        critic = critic or self.discriminator
        if self.penalty == "r1":
            real_in = real_in.detach().requires_grad_(True)
        real_logits = critic(real_in)
        fake_logits = critic(fake_in)
        adv = self.loss.d_loss(real_logits, fake_logits, real_target=self.real_target)
        out = {"d_loss": adv.detach(), "d_real": real_logits.detach().float().mean(),
               "d_fake": fake_logits.detach().float().mean()}
        loss = adv
        if self.penalty == "gradient_penalty":
            pen = gradient_penalty(critic, real_in, fake_in)
            loss = loss + self.penalty_weight * pen
            out["penalty"] = pen.detach()
        elif self.penalty == "r1":
            pen = r1_penalty(real_logits, real_in)
            loss = loss + 0.5 * self.penalty_weight * pen
            out["penalty"] = pen.detach()
        out["loss"] = loss
        return out

    def generator_step(self, real: Tensor, step: int) -> StepOutput:
        """G's loss: D's verdict on fakes (reusing the D step's fakes when n_critic == 1)."""
        fake, z = self.generator_fakes(real)
        with self.frozen_discriminator() as discriminator:
            logits = discriminator(self.judge_input(fake, step))
        loss = self.loss.g_loss(logits)
        out = {"g_loss": loss.detach()}
        out["loss"] = loss + self.mode_seeking_term(fake, z, None, out)
        return out

    def mode_seeking_term(self, fake: Tensor, z: Tensor, groups: Tensor | None, out: StepOutput) -> Tensor | float:
        """MSGAN's term: ``mode_seeking / (d(G(z1), G(z2)) / d(z1, z2) + 1e-5)``, mean absolute distances.

        Pairs are fakes of one condition (``groups``: their labels; None: all alike), so G is pushed
        to make different images from different noise for the same class instead of one image per
        class (conditional mode collapse). 0 when ``mode_seeking`` is 0 or no two fakes share a group.
        """
        if not self.mode_seeking:
            return 0.0
        if groups is None:
            groups = torch.zeros(len(z), dtype=torch.int64, device=z.device)
        order = torch.sort(groups, stable=True).indices  # members of a group next to each other
        a, b = order[:-1], order[1:]
        same = groups[a] == groups[b]
        a, b = a[same], b[same]
        if len(a) == 0:
            return 0.0
        ratio = (fake[a] - fake[b]).abs().float().mean() / (z[a] - z[b]).abs().float().mean()
        out["mode_seeking"] = ratio.detach()
        return self.mode_seeking / (ratio + 1e-5)

    def judge_input(self, x: Tensor, step: int) -> Tensor:
        """What D sees of a batch: instance noise, then augmentation, then PacGAN packing."""
        sigma = self.noise_std(step)
        if sigma > 0:
            x = x + sigma * torch.randn_like(x)
        if self.diff_augment is not None:
            x = self.diff_augment(x)
        return self.packed(x)

    def packed(self, x: Tensor) -> Tensor:
        """Concatenate groups of ``pack`` consecutive samples along the channel/feature axis."""
        if self.pack == 1:
            return x
        if x.shape[0] % self.pack:
            raise ValueError(f"batch of {x.shape[0]} samples is not a multiple of pack={self.pack}")
        return x.reshape(x.shape[0] // self.pack, self.pack * x.shape[1], *x.shape[2:])

    def noise_std(self, step: int) -> float:
        """Instance-noise std at ``step`` (linear annealing)."""
        if self.instance_noise == 0 or self.instance_noise_steps == 0:
            return self.instance_noise
        return self.instance_noise * max(0.0, 1.0 - step / self.instance_noise_steps)

    def _device(self) -> torch.device:
        return next(unwrap(self.generator).parameters()).device

    def extra_repr(self) -> str:
        return (f"latent_dim={self.latent_dim}, loss={self.loss.name}, penalty={self.penalty}, "
                f"n_critic={self.n_critic}, pack={self.pack}")

    def describe(self) -> dict[str, Any]:
        """Hyper-parameters for the run record."""
        return {"class": type(self).__name__, "latent_dim": self.latent_dim, "loss": self.loss.name,
                "penalty": self.penalty, "penalty_weight": self.penalty_weight, "n_critic": self.n_critic,
                "real_target": self.real_target, "instance_noise": self.instance_noise, "pack": self.pack,
                "mode_seeking": self.mode_seeking}
