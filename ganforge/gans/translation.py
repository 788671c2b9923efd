"""Paired image-to-image translation: pix2pix, colourisation and super-resolution (SRResNet, SRGAN, ESRGAN).

One :class:`Translation` type: G maps an input image to an output image, D (a PatchGAN) judges
outputs, alone or next to their input (a conditional D, as pix2pix). G's loss is a weighted sum of a
reconstruction loss (L1 or L2 against the target), the adversarial loss (plain or relativistic
average, as ESRGAN), feature matching on D's intermediate maps, and a perceptual loss through a
feature network the user gives (a TorchScript file). Super-resolution trains in two stages, as the
papers do: reconstruction only for ``pretrain_steps`` (SRResNet), then adversarial from there. The
stages are phase schedules (:class:`~ganforge.gans.protocol.Phase` ``repeats``), not Trainer code.
With ``anchor="pretrained"`` the adversarial stage measures G's reconstruction against a frozen copy
of the first stage's (averaged) generator instead of the target: G learns to move the reconstruction
as little as D allows (a transport of the MMSE output, Freirich, Michaeli & Meir 2021) rather than
against an unpredictable target. On the SR benchmark it drew texture all the same (README).
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.data.paired import Task, encode_input, render, shown_input
from ganforge.errors import ConfigError, DataError
from ganforge.gans.base import GAN
from ganforge.gans.protocol import Phase, Preview, StepOutput
from ganforge.nets import unwrap
from ganforge.nets.tiling import tiled

__all__ = ["Translation"]

#: Examples (input, output, target) in a preview, by default.
PREVIEW_ROWS = 8


class Translation(GAN):
    """A translator G(input) -> output trained against a PatchGAN D and a reconstruction loss.

    Args:
        generator, discriminator: the networks (D takes ``out`` channels, or ``in + out`` when ``conditional``).
        task: ``pairs``, ``colorize`` or ``sr`` (how inputs are made and outputs shown; see :mod:`ganforge.data.paired`).
        channels: (input channels, output channels) of G.
        scale: output size over input size (super-resolution), else 1.
        reconstruction: ``l1`` or ``l2``; ``reconstruction_weight`` its weight in G's adversarial stage.
        adversarial_weight: weight of the adversarial loss; 0 trains G on reconstruction only (no D phase).
        conditional: D judges (input, output) pairs; else outputs alone.
        relativistic: relativistic average D (ESRGAN): real judged against the mean fake and vice versa.
        feature_matching: weight of the L1 distance between D's maps of real and fake.
        perceptual: a feature network (images in [-1, 1] -> a tensor or a list of tensors) or None;
            ``perceptual_weight`` the weight of the L1 distance between its features.
        pretrain_steps: steps of reconstruction only before the adversarial stage.
        anchor: what the adversarial stage's reconstruction loss compares G's output with: ``target``
            (the papers) or ``pretrained`` (the first stage's averaged generator, frozen at the switch).
        multiple: sides G needs divisible by it; ``radius``: how far G sees (input px), for tiling.
        **options: the adversarial options of :class:`~ganforge.gans.GAN` (loss, penalty, n_critic, ...).
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, *, task: Task, channels: Sequence[int],
                 scale: int = 1, reconstruction: str = "l1", reconstruction_weight: float = 100.0,
                 adversarial_weight: float = 1.0, conditional: bool = True, relativistic: bool = False,
                 feature_matching: float = 0.0, perceptual: nn.Module | None = None, perceptual_weight: float = 0.0,
                 pretrain_steps: int = 0, anchor: str = "target", multiple: int = 1, radius: int | None = None,
                 **options: Any) -> None:
        super().__init__(generator, discriminator, latent_dim=0, **options)
        if reconstruction not in ("l1", "l2"):
            raise ValueError(f"reconstruction must be l1 or l2; got {reconstruction!r}")
        self.task, self.channels, self.scale = task, tuple(channels), scale
        self.reconstruction, self.reconstruction_weight = reconstruction, reconstruction_weight
        self.adversarial_weight, self.conditional, self.relativistic = adversarial_weight, conditional, relativistic
        self.feature_matching, self.perceptual_weight = feature_matching, perceptual_weight
        self.perceptual = [perceptual] if perceptual is not None else []  # a list: not a sub-module, not trained
        if anchor not in ("target", "pretrained") or (anchor == "pretrained" and not pretrain_steps):
            raise ValueError(f"anchor must be target, or pretrained with pretrain_steps > 0; got {anchor!r} with "
                             f"pretrain_steps={pretrain_steps}")
        self.pretrain_steps, self.anchor, self.multiple, self.radius = pretrain_steps, anchor, multiple, radius
        self.reference: list[nn.Module] = []  # the frozen first-stage generator (anchor="pretrained"), once made

    # -- phases: the two-stage schedule ---------------------------------------------------------------
    def phases(self, train: Any) -> list[Phase]:
        """Reconstruction alone while ``step < pretrain_steps``, then D (``n_critic`` times) and G's full loss.

        Without an adversarial loss (``adversarial_weight`` 0) there is no D phase at all.
        """
        betas = tuple(train.betas)
        phases = []
        if self.pretrain_steps:
            phases.append(Phase("reconstruction", ("generator",), self.reconstruction_step, train.lr_g, betas,
                                repeats=self.pretraining))
        if self.adversarial_weight:
            phases.append(Phase("discriminator", ("discriminator",), self.discriminator_step, train.lr_d, betas,
                                repeats=self.critic_repeats))
        phases.append(Phase("generator", ("generator",), self.generator_step, train.lr_g, betas,
                            repeats=self.adversarial, fresh_batch=not self.adversarial_weight))
        return phases

    def pretraining(self, step: int) -> int:
        """Runs of the reconstruction phase at ``step``: 1 before the switch, then 0."""
        return int(step < self.pretrain_steps)

    def adversarial(self, step: int) -> int:
        """Runs of G's full step at ``step``: 0 before the switch, then 1."""
        return int(step >= self.pretrain_steps)

    def critic_repeats(self, step: int) -> int:
        """D steps at ``step``: 0 before the switch, then ``n_critic``."""
        return self.n_critic * self.adversarial(step)

    # -- losses -------------------------------------------------------------------------------------
    def make_fakes(self, batch: Any) -> tuple[Tensor]:
        return (self.generator(batch[0]),)

    def reconstruction_loss(self, fake: Tensor, target: Tensor) -> Tensor:
        diff = fake.float() - target.float()
        return diff.abs().mean() if self.reconstruction == "l1" else (diff * diff).mean()

    def reconstruction_step(self, batch: Any, step: int) -> StepOutput:
        """Stage one (SRResNet): the reconstruction loss alone."""
        inputs, target = batch
        loss = self.reconstruction_loss(self.generator(inputs), target)
        return {"loss": loss, "reconstruction": loss.detach()}

    def judged(self, inputs: Tensor, outputs: Tensor, step: int) -> Tensor:
        """What D sees of an output: with its input beside it (enlarged to its size) when conditional."""
        if self.conditional:
            if inputs.shape[-2:] != outputs.shape[-2:]:
                inputs = F.interpolate(inputs, size=outputs.shape[-2:], mode="nearest")
            outputs = torch.cat([inputs, outputs], 1)
        return self.judge_input(outputs, step)

    def discriminator_step(self, batch: Any, step: int) -> StepOutput:
        inputs, target = batch
        (fake,) = self.critic_fakes(batch)
        real_in, fake_in = self.judged(inputs, target, step), self.judged(inputs, fake.detach(), step)
        if not self.relativistic:
            return self.judge(real_in, fake_in)
        real, fake_logits = self.discriminator(real_in), self.discriminator(fake_in)
        loss = self.loss.d_loss(real - fake_logits.mean(), fake_logits - real.mean(), real_target=self.real_target)
        return {"loss": loss, "d_loss": loss.detach(), "d_real": real.detach().float().mean(),
                "d_fake": fake_logits.detach().float().mean()}

    def generator_step(self, batch: Any, step: int) -> StepOutput:
        """G's loss: reconstruction, adversarial, feature matching and perceptual terms, each weighted."""
        inputs, target = batch
        (fake,) = self.generator_fakes(batch) if self.adversarial_weight else self.make_fakes(batch)
        recon = self.reconstruction_loss(fake, self.anchored(inputs, target))
        out = {"reconstruction": recon.detach()}
        loss = self.reconstruction_weight * recon if self.adversarial_weight else recon
        if self.adversarial_weight:
            with self.frozen_discriminator() as d:
                fake_logits, fake_maps = d.features(self.judged(inputs, fake, step))
                if self.relativistic or self.feature_matching:
                    with torch.no_grad():
                        real_logits, real_maps = d.features(self.judged(inputs, target, step))
            if self.relativistic:
                adv = self.loss.d_loss(fake_logits - real_logits.mean(), real_logits - fake_logits.mean())
            else:
                adv = self.loss.g_loss(fake_logits)
            loss = loss + self.adversarial_weight * adv
            out["g_loss"] = adv.detach()
            if self.feature_matching:
                fm = sum((a.float() - b.float()).abs().mean() for a, b in zip(fake_maps, real_maps)) / len(fake_maps)
                loss = loss + self.feature_matching * fm
                out["feature_matching"] = fm.detach()
        if self.perceptual and self.perceptual_weight:
            perc = self.perceptual_loss(render(self.task, inputs, fake), render(self.task, inputs, target))
            loss = loss + self.perceptual_weight * perc
            out["perceptual"] = perc.detach()
        out["loss"] = loss
        return out

    def anchored(self, inputs: Tensor, target: Tensor) -> Tensor:
        """What the adversarial stage reconstructs: the target, or the frozen first-stage generator's output
        (made from the averaged generator at the first adversarial step)."""
        if self.anchor == "target":
            return target
        if not self.reference:
            source = unwrap(self.averaged.get("generator", self.generator))
            self.reference.append(copy.deepcopy(source).requires_grad_(False).eval())
        with torch.no_grad():
            return self.reference[0].to(inputs.device)(inputs)

    def extra_state(self) -> dict[str, Any]:
        """The frozen first-stage generator, once made (``anchor="pretrained"``)."""
        return {"reference": self.reference[0].state_dict()} if self.reference else {}

    def load_extra_state(self, state: Mapping[str, Any]) -> None:
        if set(state) - {"reference"}:
            raise ValueError(f"{type(self).__name__}'s extra state holds reference; got {', '.join(map(str, state))}")
        self.reference.clear()
        if "reference" in state:
            net = copy.deepcopy(unwrap(self.generator)).requires_grad_(False).eval()
            net.load_state_dict(state["reference"])
            self.reference.append(net)

    def perceptual_loss(self, fake: Tensor, target: Tensor) -> Tensor:
        """Mean L1 distance between the feature network's features of the output and of the target."""
        net = self.perceptual[0].to(fake.device)
        a, b = net(fake.float()), net(target.float())
        a, b = (a, b) if isinstance(a, (list, tuple)) else ([a], [b])
        return sum((x - y.detach()).abs().mean() for x, y in zip(a, b)) / len(a)

    # -- using the translator ---------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int, *, images: Tensor | None = None, averaged: bool = True, batch_size: int = 16,
               direction: str | None = None, **_: Any) -> Tensor:
        """Outputs, as images in [-1, 1], for the first ``n`` network ``images`` (inputs in [-1, 1])."""
        if images is None:
            raise DataError("a translator makes outputs of given inputs: pass images=(N, C, H, W) inputs in [-1, 1]")
        with self.sampling(averaged, self.translator(direction)) as net:
            device = next(net.parameters()).device
            outs = [render(self.task, x, net(x).float()) for x in images[:n].to(device).float().split(batch_size)]
        return torch.cat(outs)

    @torch.no_grad()
    def preview(self, n: int | None = None, seed: int = 0, data: Any = None) -> Preview:
        """Rows of input | output | target for the first ``n`` (default 8) fixed pairs of ``data``."""
        if data is None or not hasattr(data, "fixed"):
            raise DataError("a translator's preview shows given pairs: pass data (its training data set)")
        inputs, target = data.fixed(n or PREVIEW_ROWS)
        out = self.sample(len(inputs), images=inputs)
        shown = render(self.task, inputs.to(out.device), target.to(out.device))
        rows = torch.stack([shown_input(self.task, inputs.to(out.device), out), out, shown], 1)
        return Preview(rows.flatten(0, 1).cpu(), columns=3)

    def translator(self, direction: str | None = None) -> str:
        """The name of the generator that translates in ``direction``: a paired type translates one way, as
        it was trained (None or AtoB); CycleGAN has one generator per direction."""
        if direction not in (None, "AtoB"):
            raise ConfigError(f"this model translates one way, as it was trained; direction {direction} applies "
                              f"to gan.kind=cyclegan")
        return "generator"

    @torch.no_grad()
    def apply(self, inputs: Tensor, *, tile: int = 256, overlap: int | None = None, averaged: bool = True,
              direction: str | None = None) -> Tensor:
        """The network's raw output for inputs ``(N, C, H, W)`` of any size, in overlapping tiles.

        ``overlap`` (input pixels) defaults to twice G's receptive radius where it is known (SR networks:
        then tiles give exactly the whole image's result), else 32.
        """
        if overlap is None:
            overlap = 2 * self.radius + 2 if self.radius else 32
        if tile <= overlap:
            raise DataError(f"tiles of {tile} px must be larger than their overlap ({overlap} px); raise the tile size")
        margin = min(self.radius or overlap // 4, (overlap - 1) // 2)
        with self.sampling(averaged, self.translator(direction)) as net:
            device = next(net.parameters()).device
            return tiled(lambda x: net(x.to(device)).float(), inputs, tile=tile, overlap=overlap, margin=margin,
                         scale=self.scale, multiple=self.multiple).cpu()

    def translate(self, images: Any, *, tile: int = 256, overlap: int | None = None, averaged: bool = True,
                  direction: str | None = None) -> Any:
        """Translate a picture (a PIL image, a uint8 array ``(H, W[, C])``) or a list of them, of any size;
        returns the same kind (uint8 arrays ``(H, W, C)`` for arrays). ``direction``: see :meth:`translator`."""
        from PIL import Image

        if isinstance(images, (list, tuple)):
            return [self.translate(im, tile=tile, overlap=overlap, averaged=averaged, direction=direction)
                    for im in images]
        pil = isinstance(images, Image.Image)
        arr = np.array(images.convert("RGB") if pil and images.mode not in ("L", "RGB") else images)
        if arr.dtype != np.uint8 or arr.ndim not in (2, 3):
            raise DataError(f"translate takes uint8 images (H, W) or (H, W, C); got {arr.dtype} {arr.shape}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
        t = t[None] if t.ndim == 2 else t[..., :3].permute(2, 0, 1)
        x = encode_input(self.task, t, self.channels[0])
        y = render(self.task, x, self.apply(x, tile=tile, overlap=overlap, averaged=averaged, direction=direction))
        from ganforge.io import to_uint8

        out = to_uint8(y)[0]
        out = out[..., 0] if out.shape[2] == 1 else out
        return Image.fromarray(out) if pil else out

    upscale = translate

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "task": self.task, "scale": self.scale, "reconstruction": self.reconstruction,
                "reconstruction_weight": self.reconstruction_weight, "adversarial_weight": self.adversarial_weight,
                "conditional": self.conditional, "relativistic": self.relativistic,
                "feature_matching": self.feature_matching, "perceptual_weight": self.perceptual_weight,
                "pretrain_steps": self.pretrain_steps, "anchor": self.anchor}
