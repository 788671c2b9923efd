"""The conditional tabular GAN (CTGAN-class), trained by the ordinary Trainer.

Training-by-sampling (Xu et al. 2019) lives in the data set, :class:`ConditionalRows`: its
``batch(index)`` draws, for each of the ``len(index)`` rows, a discrete column uniformly and
one of its categories by log-frequency, and then a real row holding that category -- all as
tensor operations on the global torch RNG, which the Trainer checkpoints (so a resumed run
draws exactly the batches it would have drawn). The Trainer's own shuffled ``index`` is then
used only for its length; a table without discrete columns uses it as the rows. Doing the
draw in the data set keeps the GAN's steps pure functions of their batch, like every other GAN
type's, and keeps the sampler's state in the one place the Trainer already saves.

The batch is a dict: ``real`` (B, dim) transformed rows, ``column`` (B,) the chosen condition
column, ``category`` (B,) its category. :class:`ConditionalTabularGAN` turns ``column`` and
``category`` into the condition vector (one-hot over all condition columns' categories), which
G gets with its noise and D gets next to every row it judges; G is also trained to reproduce
the condition (cross-entropy on the chosen column's block, CTGAN's "generator loss").
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from ganforge.data.tabular.sampler import ConditionalRows  # noqa: F401  (moved to the data layer; importable from here)
from ganforge.gans.base import GAN, StepOutput
from ganforge.gans.protocol import Preview
from ganforge.nets.tabular import SpanActivation

__all__ = ["ConditionalRows", "ConditionalTabularGAN", "DISCRETE_MODES", "condition_frequencies"]

#: ``discrete`` setting -> (SpanActivation mode in training, in sampling).
DISCRETE_MODES = {
    "gumbel": ("gumbel", "sample"),
    "straight_through": ("straight_through", "sample"),
    "argmax": ("argmax_straight_through", "argmax"),
}


def condition_frequencies(x: np.ndarray | Tensor, condition_spans: Sequence[tuple[int, int]]) -> list[list[float]]:
    """Share of each category of each condition span among the rows of the transformed ``x``."""
    x = torch.as_tensor(x)
    return [(x[:, s:s + w].sum(0).double() / max(len(x), 1)).tolist() for s, w in condition_spans]


class ConditionalTabularGAN(GAN):
    """CTGAN-class GAN: conditional generator, PacGAN critic that sees the condition, per-span outputs.

    Args:
        generator: ``(z, cond) -> raw (B, dim)``, e.g. :class:`ganforge.nets.tabular.TabularGenerator`.
        discriminator: judges ``pack`` rows of ``dim + cond_dim`` features at once.
        spans: ``(start, width, activation)`` of every span of a transformed row.
        condition_spans: ``(start, width)`` of each discrete column's block (the condition columns).
        condition_freqs: per condition column, the training share of each category; unconditional
            sampling draws a column uniformly and a category with these shares, as CTGAN does.
        latent_dim: noise size.
        discrete: how G's one-hot blocks are made in training and sampling: ``"gumbel"``
            (Gumbel-softmax in training, as CTGAN; a category drawn from the softmax in sampling),
            ``"straight_through"`` (a hard one-hot of a Gumbel-max draw forward, the Gumbel-softmax
            gradient backward; drawn in sampling) or ``"argmax"`` (straight-through without noise:
            the one-hot of the arg-max, so every category comes from the latent vector, and the
            arg-max in sampling too).
        tau: Gumbel-softmax temperature.
        condition_weight: weight of the conditional cross-entropy in G's loss.
        loss, penalty, penalty_weight, n_critic, pack, ...: as :class:`ganforge.gans.GAN`.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        spans: Sequence[tuple[int, int, str]],
        condition_spans: Sequence[tuple[int, int]],
        condition_freqs: Sequence[Sequence[float]],
        latent_dim: int,
        *,
        discrete: str = "gumbel",
        tau: float = 0.2,
        condition_weight: float = 1.0,
        loss: str = "wasserstein",
        penalty: str | None = "gradient_penalty",
        penalty_weight: float = 10.0,
        n_critic: int = 1,
        pack: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(generator, discriminator, latent_dim, loss=loss, penalty=penalty,
                         penalty_weight=penalty_weight, n_critic=n_critic, pack=pack, **kwargs)
        if discrete not in DISCRETE_MODES:
            raise ValueError(f"discrete must be one of {', '.join(DISCRETE_MODES)}; got {discrete!r}")
        if not tau > 0:
            raise ValueError(f"tau must be > 0; got {tau}")
        self.activation = SpanActivation(spans)
        self.discrete, self.tau, self.condition_weight = discrete, float(tau), float(condition_weight)
        self.condition_spans = [(int(s), int(w)) for s, w in condition_spans]
        if len(condition_freqs) != len(self.condition_spans):
            raise ValueError("condition_freqs needs one list of shares per condition span")
        block_of = {s: b for b, s in enumerate(self.activation.block_starts)}
        try:
            blocks = [block_of[s] for s, _ in self.condition_spans]
        except KeyError:
            raise ValueError(f"condition spans {self.condition_spans} must be softmax spans") from None
        widths = [w for _, w in self.condition_spans]
        self.cond_dim = sum(widths)
        max_w = max(widths, default=1)
        freqs = torch.zeros(max(len(widths), 1), max_w)
        for c, f in enumerate(condition_freqs):
            if len(f) != widths[c]:
                raise ValueError(f"condition column {c}: {len(f)} shares for a block of {widths[c]}")
            freqs[c, :widths[c]] = torch.as_tensor(f, dtype=torch.float32)
        self.register_buffer("condition_block", torch.tensor(blocks, dtype=torch.long), persistent=False)
        self.register_buffer("condition_offset", torch.tensor([0] + widths[:-1], dtype=torch.long).cumsum(0),
                             persistent=False)
        self.register_buffer("condition_freqs", freqs, persistent=False)

    # -- conditions -------------------------------------------------------------------------------
    def condition_vector(self, column: Tensor, category: Tensor) -> Tensor:
        """One-hot ``(B, cond_dim)`` of each row's (condition column, category)."""
        b = column.shape[0]
        cond = torch.zeros(b, self.cond_dim, device=column.device)
        if self.cond_dim:
            cond[torch.arange(b, device=column.device), self.condition_offset[column] + category] = 1.0
        return cond

    def draw_conditions(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """(column, category) for unconditional sampling: a column uniformly, a category by its share."""
        device = self.condition_freqs.device
        if not self.condition_spans:
            zeros = torch.zeros(n, dtype=torch.long, device=device)
            return zeros, zeros
        column = torch.randint(len(self.condition_spans), (n,), device=device, generator=generator)
        category = torch.multinomial(self.condition_freqs[column], 1, generator=generator).squeeze(1)
        return column, category

    # -- the adversarial step -------------------------------------------------------------------
    def make_fakes(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor, Tensor]:
        """``(raw G output, activated fake rows, condition vectors)`` for the batch's conditions."""
        cond = self.condition_vector(batch["column"], batch["category"])
        raw = self.generator(self.sample_latent(cond.shape[0], device=cond.device), cond)
        return raw, self.activation(raw, DISCRETE_MODES[self.discrete][0], self.tau), cond

    def discriminator_step(self, batch: dict[str, Tensor], step: int) -> StepOutput:
        """D's loss on real rows and fresh fakes, each next to its condition vector, plus its penalty."""
        raw, fake, cond = self.critic_fakes(batch)
        return self.judge(self.judge_input(torch.cat([batch["real"], cond], 1), step),
                          self.judge_input(torch.cat([fake.detach(), cond], 1), step))

    def generator_step(self, batch: dict[str, Tensor], step: int) -> StepOutput:
        """G's loss: D's verdict on conditioned fakes plus the cross-entropy of the asked-for category."""
        raw, fake, cond = self.generator_fakes(batch)
        with self.frozen_discriminator() as discriminator:
            logits = discriminator(self.judge_input(torch.cat([fake, cond], 1), step))
        adv = self.loss.g_loss(logits)
        out = {"g_loss": adv.detach()}
        loss = adv
        if self.condition_spans:
            ce = self.activation.block_cross_entropy(raw, self.condition_block[batch["column"]], batch["category"])
            loss = loss + self.condition_weight * ce
            out["cond_ce"] = ce.detach()
        out["loss"] = loss
        return out

    # -- sampling -------------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int, *, column: Tensor | None = None, category: Tensor | None = None,
               force: Sequence[tuple[int, int, int]] = (), z: Tensor | None = None,
               generator: torch.Generator | None = None, averaged: bool = True,
               batch_size: int = 10_000, dtype: torch.dtype = torch.float32) -> Tensor:
        """``n`` transformed rows (float32, one-hot blocks hard), in eval mode with the EMA G if any.

        ``column``/``category`` (``(n,)`` each) give every row's condition; by default they are
        drawn as in training's marginals (:meth:`draw_conditions`). ``force`` lists
        ``(start, width, index)``: that block is set to the one-hot of ``index`` in every row, so a
        conditioned column takes exactly the asked-for value. ``dtype=torch.bfloat16`` runs the
        generator's hidden layers under bf16 autocast (its output layer stays float32).
        """
        device = self._device()
        with self.sampling(averaged) as net:
            if column is None:
                column, category = self.draw_conditions(n, generator=generator)
            column, category = column.to(device), category.to(device)
            z = self.sample_latent(n, device=device, generator=generator) if z is None else z.to(device)
            out = []
            for lo in range(0, n, batch_size):
                sl = slice(lo, min(n, lo + batch_size))
                cond = self.condition_vector(column[sl], category[sl])
                with torch.autocast(device_type=device.type, dtype=dtype, enabled=dtype != torch.float32):
                    raw = net(z[sl], cond, float32_output=True)
                out.append(self.activation(raw, DISCRETE_MODES[self.discrete][1], generator=generator))
            x = torch.cat(out) if out else torch.zeros(0, self.activation.dim, device=device)
            for start, width, index in force:
                x[:, start:start + width] = 0.0
                x[:, start + index] = 1.0
            return x

    def preview(self, n: int | None = None, seed: int = 0, data: Any = None) -> Preview:
        """The run's picture of a table: ``n`` (default 2500) generated rows from a fixed seed, as a histogram of
        the first discrete column's categories (the first encoded value when there is none), over the first
        real rows of ``data`` (a :class:`ConditionalRows`) when given."""
        count = n or 2500
        fake = self.sample(count, generator=torch.Generator().manual_seed(seed))

        def first_column(x: Tensor) -> Tensor:
            if not self.condition_spans:
                return x[:, :1].float()
            start, width = self.condition_spans[0]
            return x[:, start:start + width].argmax(1, keepdim=True).float()

        rows = getattr(data, "data", None)
        return Preview(first_column(fake), None if rows is None else first_column(rows[:count]))

    def extra_repr(self) -> str:
        return super().extra_repr() + f", discrete={self.discrete}, tau={self.tau}, cond_dim={self.cond_dim}"

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "discrete": self.discrete, "tau": self.tau,
                "condition_weight": self.condition_weight, "cond_dim": self.cond_dim}
