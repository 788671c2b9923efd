"""DP-SGD for the tabular GAN's discriminator: per-row gradients with ``torch.func``, clipping, Gaussian noise.

Only the discriminator reads real rows, so only its update needs privacy: the generator is trained
through D's verdicts and is private by post-processing. Per step:

1. a **Poisson sample** of the rows (each row in with probability ``q``; :class:`PoissonRows`), each
   row conditioned on its own category of a uniformly drawn discrete column;
2. **per-row gradients** of D's loss on real rows (``torch.func.vmap(grad(...))`` over the rows),
   each **clipped** to L2 norm ``C`` over all of D's parameters, summed, plus Gaussian noise of
   standard deviation ``sigma * C``, divided by the *expected* batch ``q * n`` (a data-independent
   normaliser);
3. the gradient of D's loss on **fakes** added unclipped: a fixed number of fakes (``q * n``, not the
   sampled batch's size) with conditions drawn from the released (DP) category shares, so this term
   depends on no row.

The sum reaches the Trainer as a surrogate loss ``sum(param * gradient)`` whose backward is that
gradient, so the ordinary :class:`~ganforge.training.Trainer` and its Adam step run unchanged.

What this path refuses, and why: **batch normalisation** in D (a row's output would depend on the other
rows, so there is no per-row gradient), a **gradient penalty or R1** (the penalty on interpolates of
real and fake rows mixes rows too), and **PacGAN packing** (``pack > 1``: one critic input holds
several rows, and adding or removing one row re-packs every later pack, so clipping per input does
not bound one row's effect). These are also why opacus (whose hooks take the first axis of D's input
as the unit of privacy, and would fire in G's step through D as well) is not used.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from ganforge.data.tabular.sampler import ConditionalRows
from ganforge.errors import ConfigError, DataError
from ganforge.gans.tabular import DISCRETE_MODES, ConditionalTabularGAN
from ganforge.nets import unwrap
from ganforge.training.callbacks import Callback

from .accountant import RDPAccountant

__all__ = ["BudgetStop", "PoissonRows", "PrivateTabularGAN", "check_private_critic", "clipped_sum"]


def check_private_critic(discriminator: nn.Module, penalty: str | None, pack: int) -> None:
    """Refuse a critic that per-row clipping cannot make private (see the module docs)."""
    if penalty not in (None, "none", ""):
        raise ConfigError(f"a differentially private fit cannot use penalty={penalty!r}: the penalty is taken on "
                          "interpolates of real and fake rows, which mixes rows; use penalty=None (the default "
                          "when epsilon is set)")
    if pack != 1:
        raise ConfigError(f"a differentially private fit needs pack=1 (got {pack}): a packed critic input holds "
                          "several rows, so one row's gradient cannot be clipped on its own")
    norms = [type(m).__name__ for m in discriminator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if norms:
        raise ConfigError(f"a differentially private fit cannot use batch normalisation in the discriminator "
                          f"({', '.join(sorted(set(norms)))}): it makes each row's output depend on the others")


class PoissonRows(ConditionalRows):
    """Rows for DP-SGD: a Poisson sample of rate ``rate`` per batch (the Trainer's index gives only its
    length, which is ignored), each row with a uniformly drawn condition column and its own category
    there. Drawn with the global torch RNG, like :class:`ConditionalRows`."""

    def __init__(self, data: np.ndarray | Tensor, condition_spans: Sequence[tuple[int, int]], rate: float) -> None:
        super().__init__(data, condition_spans, log_frequency=False)
        if not 0 < rate <= 1:
            raise DataError(f"the sample rate must be in (0, 1]; got {rate}")
        self.rate = float(rate)

    def batch(self, index: Tensor) -> dict[str, Tensor]:
        rows = torch.nonzero(torch.rand(len(self.data)) < self.rate).squeeze(1)
        b = len(rows)
        real = self.data[rows]
        if self.n_columns == 0:
            zeros = torch.zeros(b, dtype=torch.long)
            return {"real": real, "column": zeros, "category": zeros}
        column = torch.randint(self.n_columns, (b,))
        starts = torch.tensor([s for s, _ in self.spans], dtype=torch.long)
        widths = torch.tensor([w for _, w in self.spans], dtype=torch.long)
        cols = starts[column, None] + torch.arange(int(widths.max()))[None, :]
        inside = torch.arange(int(widths.max()))[None, :] < widths[column, None]
        block = torch.where(inside, real.gather(1, cols.clamp_max(real.shape[1] - 1)), -1.0)
        return {"real": real, "column": column, "category": block.argmax(1)}


def clipped_sum(per_row: dict[str, Tensor], clip: float) -> tuple[dict[str, Tensor], Tensor]:
    """Sum over rows of per-row gradients (leading axis = rows) each scaled to L2 norm <= ``clip``;
    also returns the rows' norms before clipping."""
    leaves = list(per_row.values())
    if not leaves or leaves[0].shape[0] == 0:
        return {k: torch.zeros(v.shape[1:], device=v.device, dtype=v.dtype) for k, v in per_row.items()}, \
            torch.zeros(0)
    norms = torch.sqrt(sum(g.reshape(g.shape[0], -1).double().pow(2).sum(1) for g in leaves))
    factor = (clip / (norms + 1e-12)).clamp(max=1.0).to(leaves[0].dtype)
    return {k: torch.einsum("b,b...->...", factor, g) for k, g in per_row.items()}, norms


def only_linear(module: nn.Module) -> bool:
    """Whether every parameter of ``module`` is the weight or bias of an ``nn.Linear`` (so per-row gradient
    norms follow from activations and output gradients: :func:`linear_clipped_sum`)."""
    linear = {id(p) for m in module.modules() if isinstance(m, nn.Linear) for p in m.parameters(recurse=False)}
    return all(id(p) in linear for p in module.parameters())


def linear_clipped_sum(module: nn.Module, x: Tensor, row_loss, clip: float) -> tuple[dict[str, Tensor], Tensor]:
    """:func:`clipped_sum` of the per-row gradients of the loss (``row_loss``: a mean over rows) without
    forming them, for a
    network of ``nn.Linear`` layers and row-wise functions (Goodfellow 2015; "ghost clipping"): a Linear
    layer's per-row weight gradient is the outer product of its output gradient ``d_i`` and input ``a_i``,
    of squared norm ``|d_i|^2 |a_i|^2`` (bias: ``|d_i|^2``); the clipped sum is ``(f * d)^T a``. Rows must
    not interact (no batch norm): then the gradient of the summed loss at a row's output is that row's own."""
    inputs: dict[str, Tensor] = {}
    outputs: dict[str, Tensor] = {}
    names = {m: n for n, m in module.named_modules() if isinstance(m, nn.Linear)}

    def hook(m: nn.Module, args: tuple, out: Tensor) -> None:
        inputs[names[m]], outputs[names[m]] = args[0], out

    handles = [m.register_forward_hook(hook) for m in names]
    try:
        # row_loss is a mean over rows, so len(x) times it is the sum of the rows' own losses
        total_loss = row_loss(module(x)) * len(x) if len(x) else None
    finally:
        for h in handles:
            h.remove()
    if total_loss is None:
        return {k: torch.zeros_like(p) for k, p in module.named_parameters()}, torch.zeros(0)
    keys = list(outputs)
    grads = torch.autograd.grad(total_loss, [outputs[k] for k in keys])
    d = {k: g.float() for k, g in zip(keys, grads)}
    a = {k: inputs[k].detach().float() for k in keys}
    sq = sum(d[k].pow(2).sum(1) * (a[k].pow(2).sum(1) + (module.get_submodule(k).bias is not None))
             for k in keys)
    norms = sq.sqrt()
    factor = (clip / (norms + 1e-12)).clamp(max=1.0)
    total = {}
    for k in keys:
        fd = d[k] * factor[:, None]
        prefix = f"{k}." if k else ""
        total[prefix + "weight"] = fd.t() @ a[k]
        if module.get_submodule(k).bias is not None:
            total[prefix + "bias"] = fd.sum(0)
    return total, norms


class PrivateTabularGAN(ConditionalTabularGAN):
    """:class:`ConditionalTabularGAN` whose D step is DP-SGD (module docs).

    Extra args: ``clip`` (C, the per-row L2 bound), ``sigma`` (the noise multiplier), ``expected_batch``
    (``q * n``: the normaliser and the number of fakes per step) and ``accountant`` (counts the steps).
    """

    def __init__(self, *args: Any, clip: float, sigma: float, expected_batch: float,
                 accountant: RDPAccountant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        check_private_critic(self.discriminator, self.penalty, self.pack)
        if not clip > 0 or sigma < 0 or not expected_batch > 0:
            raise ConfigError(f"DP-SGD needs clip > 0, sigma >= 0, an expected batch > 0; got {clip}, {sigma}, "
                              f"{expected_batch}")
        self.clip, self.sigma, self.expected_batch = float(clip), float(sigma), float(expected_batch)
        self.fake_count = max(2, int(round(expected_batch)))
        self.accountant = accountant

    def make_fakes(self, batch: dict[str, Tensor]) -> tuple[Tensor, ...]:
        """Fakes for conditions drawn from the released shares (never the batch's): ``fake_count`` of them."""
        column, category = self.draw_conditions(self.fake_count)
        cond = self.condition_vector(column, category)
        raw = self.generator(self.sample_latent(self.fake_count, device=cond.device), cond)
        return raw, self.activation(raw, DISCRETE_MODES[self.discrete][0], self.tau), cond, column, category

    def _real_term(self, logits: Tensor) -> Tensor:
        """D's loss on real logits alone (the fake part held at a constant)."""
        return self.loss.d_loss(logits, torch.zeros(1, device=logits.device), real_target=self.real_target)

    def private_gradient(self, real_in: Tensor) -> tuple[dict[str, Tensor], Tensor]:
        """(sum of clipped per-row gradients of the real-row loss plus noise, the rows' gradient norms)."""
        critic = unwrap(self.discriminator)
        total, norms = (linear_clipped_sum(critic, real_in, self._real_term, self.clip) if only_linear(critic)
                        else self._vmap_clipped_sum(critic, real_in))
        for k, g in total.items():
            total[k] = g.float() + torch.randn_like(g, dtype=torch.float32) * (self.sigma * self.clip)
        return total, norms

    def _vmap_clipped_sum(self, critic: nn.Module, real_in: Tensor) -> tuple[dict[str, Tensor], Tensor]:
        from torch.func import functional_call, grad, vmap

        params = {k: p.detach() for k, p in critic.named_parameters()}

        def row_loss(p: dict[str, Tensor], x: Tensor) -> Tensor:
            return self._real_term(functional_call(critic, p, (x.unsqueeze(0),)))

        if len(real_in):
            per_row = vmap(grad(row_loss), in_dims=(None, 0), randomness="different")(params, real_in)
        else:
            per_row = {k: torch.zeros((0, *p.shape), device=p.device) for k, p in params.items()}
        return clipped_sum(per_row, self.clip)

    def discriminator_step(self, batch: dict[str, Tensor], step: int) -> dict[str, Tensor]:
        raw, fake, cond, *_ = self.critic_fakes(batch)
        real_cond = self.condition_vector(batch["column"], batch["category"])
        real_in = torch.cat([batch["real"], real_cond], 1)
        critic = self.discriminator
        fake_logits = critic(torch.cat([fake.detach(), cond], 1))
        fake_term = self.loss.d_loss(torch.zeros(1, device=fake_logits.device), fake_logits,
                                     real_target=self.real_target)
        params = [p for p in critic.parameters()]
        fake_grads = torch.autograd.grad(fake_term, params)
        noisy, _ = self.private_gradient(real_in)
        names = [k for k, _ in unwrap(critic).named_parameters()]
        surrogate = sum((p * (noisy[k] / self.expected_batch + g).detach()).sum()
                        for k, p, g in zip(names, params, fake_grads))
        self.accountant.step()
        # Logs hold nothing computed from real rows (a loss on them would be a release outside the budget).
        return {"loss": surrogate, "d_fake_loss": fake_term.detach(), "epsilon": torch.tensor(self.accountant.epsilon())}

    def generator_step(self, batch: dict[str, Tensor], step: int) -> dict[str, Tensor]:
        raw, fake, cond, column, category = self.generator_fakes(batch)
        with self.frozen_discriminator() as discriminator:
            logits = discriminator(torch.cat([fake, cond], 1))
        adv = self.loss.g_loss(logits)
        out = {"g_loss": adv.detach()}
        loss = adv
        if self.condition_spans:
            ce = self.activation.block_cross_entropy(raw, self.condition_block[column], category)
            loss = loss + self.condition_weight * ce
            out["cond_ce"] = ce.detach()
        out["loss"] = loss
        return out


class BudgetStop(Callback):
    """Stops training before a step would take the accountant's epsilon past ``target``."""

    def __init__(self, accountant: RDPAccountant, target: float, steps_per_step: int = 1) -> None:
        self.accountant, self.target, self.per = accountant, float(target), int(steps_per_step)
        self.message: str | None = None

    def on_step_end(self, trainer: Any, step: int) -> None:
        after = self.accountant.epsilon(self.accountant.steps + self.per)
        if after > self.target:
            self.message = (f"privacy budget spent: epsilon {self.accountant.epsilon():.3f} of {self.target:.3f} "
                            f"after {self.accountant.steps} private steps (one more would reach {after:.3f})")
            trainer.request_stop(self.message)
