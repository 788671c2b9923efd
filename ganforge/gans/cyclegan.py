"""Unpaired image-to-image translation: CycleGAN (Zhu et al. 2017).

Two translators, G: A -> B (``generator``) and F: B -> A (``generator_ba``), and two PatchGAN
discriminators, D_B (``discriminator``, judges B images) and D_A (``discriminator_a``). G's phase
minimises, for both directions, the adversarial loss, the cycle loss ``cycle_weight * |F(G(a)) - a|_1``
(and ``|G(F(b)) - b|_1``) and, when ``identity_weight`` > 0, the identity loss ``identity_weight *
cycle_weight * |G(b) - b|_1`` (and ``|F(a) - a|_1``), which keeps colours from drifting or inverting.
The D phase then judges real images against fakes of that G step, half of them replaced by older
fakes from a pool of past fakes per discriminator (Shrivastava et al. 2017; :class:`ImagePool`). The
pools are training state: :meth:`CycleGAN.extra_state` holds them, so resume is exact.

The class extends :class:`~ganforge.gans.translation.Translation` for what using a translator takes
(tiled inference, ``translate``, ``sample``), with one generator per direction
(:meth:`CycleGAN.translator`). Its preview shows rows A -> G(A) -> F(G(A)) and B -> F(B) -> G(F(B)),
computed exactly as ``translate`` computes (eval mode, the averaged generators when kept).
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import Tensor, nn

from ganforge.errors import ConfigError, DataError
from ganforge.gans.protocol import Phase, Preview, StepOutput, frozen
from ganforge.gans.translation import Translation
from ganforge.nets import unwrap

__all__ = ["CycleGAN", "ImagePool", "DIRECTIONS"]

#: ``direction`` -> the name of the generator that translates that way.
DIRECTIONS = {"AtoB": "generator", "BtoA": "generator_ba"}
#: Rows of each direction in a preview, by default.
PREVIEW_ROWS = 4


class ImagePool:
    """A buffer of up to ``size`` past fakes (Shrivastava et al. 2017), as CycleGAN uses it.

    :meth:`query` takes a batch of new fakes and returns a batch of the same size: while the pool fills,
    each new fake is stored and returned; once it is full, each new fake is, with probability 0.5,
    swapped for a stored one picked at random (the stored one is returned, the new one kept), else
    returned as is. Draws use torch's global generator (checkpointed with every RNG state), and the
    stored images are :meth:`state`, so a resumed run continues exactly. ``size`` 0: no pool.
    """

    def __init__(self, size: int = 50) -> None:
        if size < 0:
            raise ValueError(f"the pool size must be >= 0; got {size}")
        self.size = size
        self.images: list[Tensor] = []

    def query(self, fakes: Tensor) -> Tensor:
        if self.size == 0:
            return fakes
        out = []
        for x in fakes.detach():
            x = x.clone(memory_format=torch.contiguous_format)
            if len(self.images) < self.size:
                self.images.append(x)
                out.append(x)
            elif bool(torch.rand(()) < 0.5):
                i = int(torch.randint(self.size, ()))
                out.append(self.images[i].to(x))
                self.images[i] = x
            else:
                out.append(x)
        batch = torch.stack(out)
        if fakes.dim() == 4 and not fakes.is_contiguous() and fakes.is_contiguous(memory_format=torch.channels_last):
            batch = batch.contiguous(memory_format=torch.channels_last)  # as the Trainer's batches are
        return batch

    def state(self) -> Tensor:
        """The stored fakes ``(n, C, H, W)`` (n = 0 while empty)."""
        return torch.stack(self.images) if self.images else torch.zeros(0)

    def load(self, images: Tensor) -> None:
        if len(images) > self.size:
            raise ValueError(f"a pool of {self.size} cannot hold the {len(images)} stored fakes")
        self.images = [x.clone() for x in images]


class CycleGAN(Translation):
    """G: A -> B and F: B -> A with discriminators D_B and D_A, trained with adversarial, cycle and identity losses.

    Args:
        generator, generator_ba: the translators A -> B and B -> A (same channels on both sides).
        discriminator, discriminator_a: PatchGANs judging B images and A images.
        channels: channels of the images of both domains.
        cycle_weight: lambda of the cycle loss (10 in the paper).
        identity_weight: the identity loss's weight as a fraction of ``cycle_weight`` (0.5; 0 turns it off).
        pool_size: past fakes kept per discriminator (50; 0: D sees the newest fakes only).
        multiple: sides the generators need divisible by it.
        **options: the adversarial options of :class:`~ganforge.gans.GAN` (loss, penalty, instance noise, ...).
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, generator_ba: nn.Module,
                 discriminator_a: nn.Module, *, channels: int, cycle_weight: float = 10.0, identity_weight: float = 0.5,
                 pool_size: int = 50, multiple: int = 4, **options: Any) -> None:
        super().__init__(generator, discriminator, task="pairs", channels=(channels, channels), conditional=False,
                         multiple=multiple, **options)
        if self.n_critic != 1 or self.pack != 1:
            raise ValueError("CycleGAN runs one D step per G step on single images (n_critic 1, pack 1)")
        if cycle_weight < 0 or identity_weight < 0:
            raise ValueError(f"cycle and identity weights must be >= 0; got {cycle_weight} and {identity_weight}")
        self.generator_ba, self.discriminator_a = generator_ba, discriminator_a
        self.cycle_weight, self.identity_weight = cycle_weight, identity_weight
        self.pool_a, self.pool_b = ImagePool(pool_size), ImagePool(pool_size)  # fakes of A (for D_A), of B (for D_B)
        self._fakes: tuple[Tensor, Tensor] | None = None  # (fake A, fake B) of the G step, for the D step

    # -- what the Trainer needs to know ------------------------------------------------------------
    def networks(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "generator_ba": self.generator_ba,
                "discriminator": self.discriminator, "discriminator_a": self.discriminator_a}

    def phases(self, train: Any) -> list[Phase]:
        """Both generators on a fresh batch (one optimizer), then both discriminators on that batch and
        the fakes the G step made (as the paper's loop does)."""
        betas = tuple(train.betas)
        return [Phase("generators", ("generator", "generator_ba"), self.generator_step, train.lr_g, betas),
                Phase("discriminators", ("discriminator", "discriminator_a"), self.discriminator_step, train.lr_d,
                      betas, fresh_batch=False)]

    def averaged_networks(self) -> tuple[str, ...]:
        return ("generator", "generator_ba")

    def extra_state(self) -> dict[str, Any]:
        """The two pools of past fakes."""
        return {"pool_a": self.pool_a.state(), "pool_b": self.pool_b.state()}

    def load_extra_state(self, state: Mapping[str, Any]) -> None:
        if set(state) != {"pool_a", "pool_b"}:
            raise ValueError(f"CycleGAN's extra state holds pool_a and pool_b; got {', '.join(map(str, state))}")
        self.pool_a.load(state["pool_a"])
        self.pool_b.load(state["pool_b"])

    # -- losses -------------------------------------------------------------------------------------
    @staticmethod
    def l1(x: Tensor, y: Tensor) -> Tensor:
        return (x.float() - y.float()).abs().mean()

    def generator_step(self, batch: Any, step: int) -> StepOutput:
        """Adversarial losses of both directions, the cycle loss and the identity loss, weighted."""
        a, b = batch
        fake_b, fake_a = self.generator(a), self.generator_ba(b)
        cycle = self.l1(self.generator_ba(fake_b), a) + self.l1(self.generator(fake_a), b)
        with self.frozen_discriminator() as d_b, frozen(unwrap(self.discriminator_a)) as d_a:
            adv_b = self.loss.g_loss(d_b(self.judge_input(fake_b, step)))
            adv_a = self.loss.g_loss(d_a(self.judge_input(fake_a, step)))
        loss = adv_a + adv_b + self.cycle_weight * cycle
        out = {"g_loss": (adv_a + adv_b).detach(), "g_loss_ab": adv_b.detach(), "g_loss_ba": adv_a.detach(),
               "cycle": cycle.detach()}
        if self.identity_weight:
            identity = self.l1(self.generator(b), b) + self.l1(self.generator_ba(a), a)
            loss = loss + self.identity_weight * self.cycle_weight * identity
            out["identity"] = identity.detach()
        self._fakes = (fake_a.detach(), fake_b.detach())
        out["loss"] = loss
        return out

    def discriminator_step(self, batch: Any, step: int) -> StepOutput:
        """D_A and D_B: real images against the G step's fakes, half swapped for past ones by the pools."""
        a, b = batch
        if self._fakes is None:  # the D phase run alone
            with torch.no_grad():
                self._fakes = (self.generator_ba(b), self.generator(a))
        fake_a, fake_b = self._fakes
        self._fakes = None
        fake_a, fake_b = self.pool_a.query(fake_a), self.pool_b.query(fake_b)
        judged_b = self.judge(self.judge_input(b, step), self.judge_input(fake_b, step))
        judged_a = self.judge(self.judge_input(a, step), self.judge_input(fake_a, step), critic=self.discriminator_a)
        out = {f"{key}_b": value for key, value in judged_b.items() if key != "loss"}
        out.update({f"{key}_a": value for key, value in judged_a.items() if key != "loss"})
        out["d_loss"] = (judged_a["d_loss"] + judged_b["d_loss"]).detach()
        out["loss"] = judged_a["loss"] + judged_b["loss"]
        return out

    # -- using the translators ------------------------------------------------------------------------
    def translator(self, direction: str | None = None) -> str:
        """The generator of ``direction``: ``AtoB`` (default) or ``BtoA``."""
        direction = direction or "AtoB"
        if direction not in DIRECTIONS:
            raise ConfigError(f"direction must be AtoB or BtoA; got {direction!r}")
        return DIRECTIONS[direction]

    @torch.no_grad()
    def preview(self, n: int | None = None, seed: int = 0, data: Any = None) -> Preview:
        """Rows A | G(A) | F(G(A)) for the first ``n // 2`` (default 4) A images of ``data``, then
        B | F(B) | G(F(B)) for as many B images (centre crops)."""
        if data is None or not hasattr(data, "fixed"):
            raise DataError("CycleGAN's preview shows given images: pass data (its training data set)")
        a, b = data.fixed(max(1, (n or 2 * PREVIEW_ROWS) // 2))
        fake_b = self.sample(len(a), images=a, direction="AtoB")
        fake_a = self.sample(len(b), images=b, direction="BtoA")
        rows_a = torch.stack([a.to(fake_b), fake_b, self.sample(len(a), images=fake_b, direction="BtoA")], 1)
        rows_b = torch.stack([b.to(fake_a), fake_a, self.sample(len(b), images=fake_a, direction="AtoB")], 1)
        return Preview(torch.cat([rows_a, rows_b]).flatten(0, 1).cpu(), columns=3)

    def describe(self) -> dict[str, Any]:
        keep = ("class", "loss", "penalty", "penalty_weight", "real_target", "instance_noise")
        base = {k: v for k, v in super().describe().items() if k in keep}
        return {**base, "cycle_weight": self.cycle_weight, "identity_weight": self.identity_weight,
                "pool_size": self.pool_a.size}
