"""DAGAN (Antoniou, Storkey & Edwards 2017): a GAN that makes variations of a given image.

The generator ``G(x, z)`` takes a real image and noise and returns another image of the same
class. The discriminator judges pairs stacked along the channel axis: real pairs are
``(x, another real image of x's class)``, fake pairs ``(x, G(x, z))``. So G is rewarded for an
image that is *different* from ``x`` (a copy would be easy to tell from a real pair of two distinct
images) but plausibly of its class. Nothing in the model names the classes, so a trained DAGAN
applies to images of classes it never saw.

The batch is ``(images, partners, labels)``: a :meth:`ganforge.data.Dataset.with_labels` view with
``partners=True``, which draws each partner among the *other* images of the same class.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ganforge.data import DataError
from ganforge.gans.base import GAN, Preview, StepOutput, samples_of

__all__ = ["DAGAN"]


class DAGAN(GAN):
    """Data augmentation GAN: ``G(x, z)`` makes variations of ``x``; D judges ``(x, x')`` pairs.

    Args:
        generator: ``G(x, z)`` (e.g. :class:`ganforge.nets.dagan.DAGANGenerator`).
        discriminator: D on pairs ``(B, 2C, H, W)``, e.g. a DCGAN discriminator with ``2C`` channels.
        latent_dim: size of ``z``.
        reconstruction: weight of ``mean |G(x, z) - x|`` in G's loss (config ``dagan.reconstruction``): it
            holds the variations near their source, so that G learns deformations of ``x`` rather than
            other images of its class (on classes it never saw, those change the digit); 0: off.
        **kwargs: the options of :class:`GAN`; ``pack`` must be 1 and ``augment`` unset (colour
            augmentation would mix the two images of a pair).
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_dim: int, *,
                 reconstruction: float = 0.0, **kwargs: Any) -> None:
        if not reconstruction >= 0:
            raise ValueError(f"reconstruction must be >= 0, got {reconstruction}")
        if kwargs.get("pack", 1) != 1:
            raise ValueError("PacGAN packing (pack > 1) does not apply to DAGAN, whose D judges pairs")
        if kwargs.get("mode_seeking"):
            raise ValueError("the mode-seeking term pairs fakes of one class label; DAGAN conditions on images "
                             "(leave mode_seeking at 0)")
        if kwargs.get("augment"):
            raise ValueError("differentiable augmentation does not apply to DAGAN's pairs; leave augment unset")
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        self.reconstruction = float(reconstruction)

    # -- generation ---------------------------------------------------------------------------
    @torch.no_grad()
    def augment(self, images: Tensor, k: int, *, generator: torch.Generator | None = None, averaged: bool = True,
                batch_size: int = 500) -> Tensor:
        """``k`` variations of each image: ``(N, C, H, W) -> (N, k, C, H, W)`` floats in [-1, 1].

        ``images`` are floats in [-1, 1] or uint8 in 0..255 (as stored in a :class:`ganforge.data.Dataset`).
        Use ``.flatten(0, 1)`` for a flat batch whose rows ``i*k .. i*k+k-1`` vary image ``i``.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if images.ndim != 4:
            raise ValueError(f"images must be (N, C, H, W), got shape {tuple(images.shape)}")
        x = images.float() / 127.5 - 1.0 if images.dtype == torch.uint8 else images.float()
        sources = x.repeat_interleave(k, dim=0)
        out = self.sample(len(sources), images=sources, generator=generator, averaged=averaged, batch_size=batch_size)
        return out.reshape(len(images), k, *out.shape[1:])

    @torch.no_grad()
    def sample(self, n: int, *, images: Tensor | None = None, z: Tensor | None = None,
               generator: torch.Generator | None = None, averaged: bool = True, batch_size: int = 500) -> Tensor:
        """One variation of each of ``n`` source images (floats in [-1, 1]), in eval mode, float32."""
        device = self._device()
        if images is None:
            raise DataError("DAGAN makes variations of given images: pass images=..., or use augment(images, k)")
        if len(images) != n:
            raise ValueError(f"sample({n}) got {len(images)} images; give one per sample")
        with self.sampling(averaged) as net:
            z = self.sample_latent(n, generator=generator) if z is None else z.to(device)
            images = images.to(device, torch.float32)
            return torch.cat([net(xc, zc).float() for xc, zc in zip(images.split(batch_size), z.split(batch_size))])

    @torch.no_grad()
    def preview(self, n: int | None = None, seed: int = 0, data: Any = None) -> Preview:
        """Fixed sources and their variations: rows of a source image of ``data`` followed by variations
        of it from fixed noise (8 rows of 1 + 7 by default; ``n`` images in all)."""
        if data is None:
            raise DataError("a DAGAN preview shows variations of real images: give the data set")
        n = n or 64
        rows = max(1, round(n ** 0.5))
        g = torch.Generator().manual_seed(seed)
        index = torch.randperm(len(data), generator=g)[:rows]
        sources = samples_of(data.batch(index)).float().to(self._device())
        per = -(-n // len(sources))
        z = self.sample_latent(len(sources) * (per - 1), device=torch.device("cpu"), generator=g)
        varied = self.sample(len(z), images=sources.repeat_interleave(per - 1, dim=0), z=z)
        grid = torch.cat([sources[:, None].cpu(), varied.cpu().unflatten(0, (len(sources), per - 1))], 1)
        return Preview(grid.flatten(0, 1)[:n])

    # -- the adversarial step -------------------------------------------------------------------
    def make_fakes(self, batch: tuple[Tensor, Tensor, Tensor]) -> tuple[Tensor]:
        """``(G(x, z),)`` for the batch's images ``x``."""
        x = batch[0]
        return (self.generator(x, self.sample_latent(x.shape[0])),)

    def judge_input(self, x: Tensor, step: int) -> Tensor:
        """What D sees of a batch of pairs: instance noise only (no augmentation, no packing)."""
        sigma = self.noise_std(step)
        return x + sigma * torch.randn_like(x) if sigma > 0 else x

    def pairs(self, x: Tensor, other: Tensor) -> Tensor:
        """A pair as D sees it: the conditioning image and the second image along the channel axis."""
        return torch.cat([x, other.to(x.dtype)], dim=1)

    def discriminator_step(self, batch: tuple[Tensor, Tensor, Tensor], step: int) -> StepOutput:
        """D's loss on real pairs ``(x, partner)`` and fake pairs ``(x, G(x, z))``, plus its penalty."""
        x, partner, _ = batch
        (fake,) = self.critic_fakes(batch)
        return self.judge(self.judge_input(self.pairs(x, partner), step),
                          self.judge_input(self.pairs(x, fake.detach()), step))

    def generator_step(self, batch: tuple[Tensor, Tensor, Tensor], step: int) -> StepOutput:
        """G's loss: D's verdict on ``(x, G(x, z))`` (the D step's fakes when n_critic == 1), plus the
        reconstruction term ``reconstruction * mean |G(x, z) - x|`` when its weight is not 0."""
        x = batch[0]
        (fake,) = self.generator_fakes(batch)
        with self.frozen_discriminator() as discriminator:
            logits = discriminator(self.judge_input(self.pairs(x, fake), step))
        loss = self.loss.g_loss(logits)
        out = {"loss": loss, "g_loss": loss.detach()}
        if self.reconstruction:
            distance = (fake.float() - x.float()).abs().mean()
            out["reconstruction"] = distance.detach()
            out["loss"] = loss + self.reconstruction * distance
        return out
