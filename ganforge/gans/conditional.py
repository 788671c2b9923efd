"""Class-conditional GANs: cGAN (concatenation), projection discriminator, AC-GAN.

The batch is ``(images, labels)`` (a :meth:`ganforge.data.Dataset.with_labels` view). Fakes are
made for the batch's own labels, so the generator sees the classes as often as the data holds
them. ``sample(n, labels=...)`` generates given classes.

* :class:`ConditionalGAN` with a ``"concat"`` discriminator is the cGAN of Mirza & Osindero (2014);
  with a ``"projection"`` one, the projection discriminator of Miyato & Koyama (2018). Their
  steps are the same: the discriminator is called as ``D(x, y)``.
* :class:`ACGAN` (Odena, Olah & Shlens 2017): D does not see the label but also classifies; both
  players add ``aux_weight`` times the cross-entropy of that classification to their losses
  (D on real and fake images, G on its fakes).

See :mod:`ganforge.nets.conditional` for the networks.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ganforge.gans.base import GAN, StepOutput
from ganforge.nets import unwrap

__all__ = ["ACGAN", "ConditionalGAN"]


class ConditionalGAN(GAN):
    """A GAN whose generator is ``G(z, y)`` and discriminator ``D(x, y)``.

    Args:
        generator, discriminator, latent_dim: as for :class:`ganforge.gans.GAN`.
        num_classes: number of classes (labels are ``0..num_classes-1``).
        **kwargs: the options of :class:`GAN` (loss, penalty, n_critic, label smoothing, instance
            noise, augment); ``pack`` must be 1 (PacGAN packing mixes samples of different classes).
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_dim: int, num_classes: int,
                 **kwargs: Any) -> None:
        if kwargs.get("pack", 1) != 1:
            raise ValueError("PacGAN packing (pack > 1) does not apply to conditional GANs")
        if num_classes < 2:
            raise ValueError(f"a conditional GAN needs num_classes >= 2, got {num_classes}")
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        self.num_classes = num_classes

    # -- sampling -----------------------------------------------------------------------------
    def sample_labels(self, n: int, device: torch.device | None = None,
                      generator: torch.Generator | None = None) -> Tensor:
        """``n`` labels drawn uniformly from the classes."""
        return torch.randint(self.num_classes, (n,), device=device or self._device(), generator=generator)

    def resolve_labels(self, n: int, labels: Tensor | int | list[int] | None) -> Tensor:
        """``labels`` as an int64 tensor of ``n`` classes on the model's device.

        ``None``: the classes in equal consecutive blocks (``0 0 .. 1 1 .. 9 9``); an int: that class
        ``n`` times; a sequence or tensor: one label per sample (its length must be ``n``).
        """
        device = self._device()
        if labels is None:
            y = torch.arange(n) * self.num_classes // max(n, 1)
        elif isinstance(labels, int):
            y = torch.full((n,), labels, dtype=torch.int64)
        else:
            y = torch.as_tensor(labels).reshape(-1)
            if y.is_floating_point() or len(y) != n:
                raise ValueError(f"labels must be {n} integers (one per sample); got {y.dtype} of length {len(y)}")
        y = y.long()
        if n and (int(y.min()) < 0 or int(y.max()) >= self.num_classes):
            raise ValueError(f"labels must be in 0..{self.num_classes - 1}; got {int(y.min())}..{int(y.max())}")
        return y.to(device)

    @torch.no_grad()
    def sample(self, n: int, *, labels: Tensor | int | list[int] | None = None, z: Tensor | None = None,
               generator: torch.Generator | None = None, averaged: bool = True, batch_size: int = 500) -> Tensor:
        """Generate ``n`` images of the classes ``labels`` (see :meth:`resolve_labels`) in eval mode, float32."""
        y = self.resolve_labels(n, labels)
        with self.sampling(averaged) as net:
            z = self.sample_latent(n, generator=generator) if z is None else z.to(self._device())
            return torch.cat([net(zc, yc).float() for zc, yc in zip(z.split(batch_size), y.split(batch_size))])

    # -- the adversarial step -------------------------------------------------------------------
    def critique(self, discriminator: Callable[..., Any], x: Tensor, y: Tensor) -> tuple[Tensor, Tensor | None]:
        """D's adversarial logits for ``(x, y)`` and its class logits (``None``: D does not classify)."""
        return discriminator(x, y), None

    def make_fakes(self, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor, Tensor]:
        """``(G(z, y), z, y)`` for the batch's labels ``y``."""
        y = batch[1]
        z = self.sample_latent(len(y))
        return self.generator(z, y), z, y

    def discriminator_step(self, batch: tuple[Tensor, Tensor], step: int) -> StepOutput:
        """D's loss on real ``(images, labels)`` and on fakes of the same labels, plus its penalty."""
        real, y = batch
        fake, _, _ = self.critic_fakes(batch)
        classes: list[Tensor | None] = []  # D's class logits on real, then fake inputs (AC-GAN)

        def critic(x: Tensor) -> Tensor:
            logits, class_logits = self.critique(self.discriminator, x, y)
            classes.append(class_logits)
            return logits

        out = self.judge(self.judge_input(real, step), self.judge_input(fake.detach(), step), critic)
        out["loss"] = out["loss"] + self.discriminator_extra(classes[0], classes[1], y, out)
        return out

    def generator_step(self, batch: tuple[Tensor, Tensor], step: int) -> StepOutput:
        """G's loss: D's verdict on fakes of the batch's labels (the D step's fakes when n_critic == 1)."""
        fake, z, y = self.generator_fakes(batch)
        with self.frozen_discriminator() as discriminator:
            logits, classes = self.critique(discriminator, self.judge_input(fake, step), y)
        adv = self.loss.g_loss(logits)
        out = {"g_loss": adv.detach()}
        out["loss"] = adv + self.generator_extra(classes, y, out) + self.mode_seeking_term(fake, z, y, out)
        return out

    def discriminator_extra(self, real_classes: Tensor | None, fake_classes: Tensor | None, y: Tensor,
                            out: StepOutput) -> Tensor | float:
        """A term added to D's loss (AC-GAN's classification loss); logs go into ``out``."""
        return 0.0

    def generator_extra(self, fake_classes: Tensor | None, y: Tensor, out: StepOutput) -> Tensor | float:
        """A term added to G's loss (AC-GAN's classification loss); logs go into ``out``."""
        return 0.0

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "num_classes": self.num_classes,
                "conditioning": getattr(unwrap(self.discriminator), "conditioning", None)}


class ACGAN(ConditionalGAN):
    """AC-GAN: D returns ``(logits, class_logits)`` from the image alone; both players add the
    classification cross-entropy times ``aux_weight`` (D: on real images, and on fakes too with
    ``aux_fake``; G: on its fakes).

    Args:
        aux_weight: weight of the auxiliary classification loss (1 in Odena et al.).
        aux_fake: D's classifier also learns the requested labels of fakes, as in Odena et al.
            Off by default: on the MNIST subset it let G and D agree on a label code that is not
            the digit (D read the requested label off 100% of fakes, the shipped digits classifier
            10%). Learning from real images only, D's classifier makes G draw the digit.
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_dim: int, num_classes: int, *,
                 aux_weight: float = 1.0, aux_fake: bool = False, **kwargs: Any) -> None:
        if aux_weight < 0:
            raise ValueError(f"aux_weight must be >= 0, got {aux_weight}")
        super().__init__(generator, discriminator, latent_dim, num_classes, **kwargs)
        self.aux_weight, self.aux_fake = aux_weight, aux_fake

    def critique(self, discriminator: Callable[..., Any], x: Tensor, y: Tensor) -> tuple[Tensor, Tensor | None]:
        logits, classes = discriminator(x)
        return logits, classes

    def discriminator_extra(self, real_classes: Tensor | None, fake_classes: Tensor | None, y: Tensor,
                            out: StepOutput) -> Tensor:
        ce = F.cross_entropy(real_classes.float(), y)
        if self.aux_fake:
            ce = ce + F.cross_entropy(fake_classes.float(), y)
        out["d_aux"] = ce.detach()
        out["d_real_acc"] = (real_classes.detach().argmax(1) == y).float().mean()
        return self.aux_weight * ce

    def generator_extra(self, fake_classes: Tensor | None, y: Tensor, out: StepOutput) -> Tensor:
        ce = F.cross_entropy(fake_classes.float(), y)
        out["g_aux"] = ce.detach()
        return self.aux_weight * ce

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "aux_weight": self.aux_weight, "aux_fake": self.aux_fake}
