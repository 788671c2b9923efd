"""Networks for tables (CTGAN-class): a conditional residual-MLP generator, a packed MLP critic,
and the generator's output layer of per-span activations.

A transformed table row is a concatenation of *spans*: scalars in [-1, 1] (``"tanh"``) and
one-hot blocks (``"softmax"``). The generator emits one raw number per feature;
:class:`SpanActivation` turns them into a row of the same layout. Everything is vectorised: the
softmax blocks (of different widths) are gathered into one padded ``(B, blocks, max_width)``
tensor, so a row costs the same few kernels however many columns the table has.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["SpanActivation", "TabularDiscriminator", "TabularGenerator", "ACTIVATION_MODES"]

#: How :class:`SpanActivation` treats softmax blocks: ``gumbel`` (Gumbel-softmax, soft, as CTGAN),
#: ``straight_through`` (a hard one-hot of a Gumbel-max draw forward, the Gumbel-softmax gradient
#: backward), ``argmax_straight_through`` (the same without noise: the one-hot of the arg-max
#: forward, ``softmax(logits / tau)``'s gradient backward), ``softmax`` (plain probabilities),
#: ``sample`` (a hard one-hot drawn from the block's distribution) and ``argmax`` (the one-hot of
#: the arg-max, no randomness).
ACTIVATION_MODES = ("gumbel", "straight_through", "argmax_straight_through", "softmax", "sample", "argmax")

class _Residual(nn.Module):
    """``cat([relu(bn(linear(x))), x])`` -- CTGAN's residual layer (the input is carried along)."""

    def __init__(self, i: int, o: int) -> None:
        super().__init__()
        self.fc = nn.Linear(i, o)
        self.bn = nn.BatchNorm1d(o)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([F.relu(self.bn(self.fc(x))), x], dim=1)


class TabularGenerator(nn.Module):
    """``(z (B, latent_dim), cond (B, cond_dim)) -> raw (B, out_dim)``: residual MLP as in CTGAN.

    Each hidden layer concatenates its output to its input, so the last linear layer sees the
    noise, the condition and every hidden representation. The output is raw (pre-activation);
    :class:`SpanActivation` applies the per-span activations.
    """

    def __init__(self, latent_dim: int, cond_dim: int, out_dim: int, hidden: Sequence[int] = (256, 256)) -> None:
        super().__init__()
        if not hidden or any(h < 1 for h in hidden):
            raise ValueError(f"hidden must be a non-empty list of positive sizes, got {hidden!r}")
        self.latent_dim, self.cond_dim, self.out_dim = latent_dim, cond_dim, out_dim
        layers: list[nn.Module] = []
        d = latent_dim + cond_dim
        for h in hidden:
            layers.append(_Residual(d, h))
            d += h
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(d, out_dim)

    def forward(self, z: Tensor, cond: Tensor | None = None, *, float32_output: bool = False) -> Tensor:
        """Raw outputs; ``float32_output`` runs the output layer in float32 even under bf16 autocast
        (for sampling: continuous values are tanh of these numbers, and bf16's 8-bit mantissa would
        put them on a lattice; in training the critic sees bf16 anyway, so it is not worth the time)."""
        x = z if cond is None or cond.shape[1] == 0 else torch.cat([z, cond.to(z.dtype)], dim=1)
        h = self.body(x)
        if not float32_output:
            return self.out(h)
        with torch.autocast(device_type=h.device.type, enabled=False):
            return self.out(h.float())


class TabularDiscriminator(nn.Module):
    """PacGAN critic ``(B / pack, pack * in_dim) -> (B / pack,)`` logits.

    ``in_dim`` is the width of one judged row (data plus condition vector); the input is ``pack``
    rows concatenated, as :meth:`ganforge.gans.GAN.packed` makes them. Hidden layers are
    ``Linear -> LeakyReLU(0.2) [-> Dropout]`` (no normalisation: the gradient penalty treats packs
    independently). CTGAN uses ``pack=10, dropout=0.5``; the defaults are what measured better on
    UCI Adult (see :class:`ganforge.tabular.TabularGAN`).
    """

    def __init__(self, in_dim: int, pack: int = 1, hidden: Sequence[int] = (256, 256),
                 dropout: float = 0.0) -> None:
        super().__init__()
        if pack < 1:
            raise ValueError(f"pack must be >= 1, got {pack}")
        if not hidden or any(h < 1 for h in hidden):
            raise ValueError(f"hidden must be a non-empty list of positive sizes, got {hidden!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.in_dim, self.pack = in_dim, pack
        layers: list[nn.Module] = []
        d = in_dim * pack
        for h in hidden:
            layers += [nn.Linear(d, h), nn.LeakyReLU(0.2)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            d = h
        layers.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)[:, 0]


class SpanActivation(nn.Module):
    """The generator's output layer: ``tanh`` on scalar spans, a (Gumbel-)softmax per one-hot block.

    Args:
        spans: ``(start, width, activation)`` per span, activation ``"tanh"`` or ``"softmax"``;
            together they must tile ``0 .. dim - 1``.

    ``forward(raw, mode, tau)`` returns a float32 row of the same layout (see
    :data:`ACTIVATION_MODES`). The softmax blocks, whatever their widths, are handled at once as
    segments of one flat vector: a per-segment maximum (``scatter_reduce``), the exponentials,
    and the per-segment sums as one small matrix product with the block-membership matrix -- no
    padding, no loop over columns. :meth:`block_cross_entropy` is the conditional loss.
    """

    def __init__(self, spans: Sequence[tuple[int, int, str]]) -> None:
        super().__init__()
        spans = sorted((int(s), int(w), str(a)) for s, w, a in spans)
        dim, tanh_idx, soft_idx, block_of, starts = 0, [], [], [], []
        for start, width, act in spans:
            if start != dim or width < 1:
                raise ValueError(f"spans must tile the row without gaps or overlaps; got {spans}")
            if act == "tanh":
                tanh_idx.extend(range(start, start + width))
            elif act == "softmax":
                block_of.extend([len(starts)] * width)
                starts.append(len(soft_idx))
                soft_idx.extend(range(start, start + width))
            else:
                raise ValueError(f"unknown span activation {act!r}; expected tanh or softmax")
            dim += width
        self.dim = dim
        self.n_blocks = len(starts)
        self.block_starts = [soft_idx[s] for s in starts]  # where each block starts in the row
        block = torch.tensor(block_of, dtype=torch.long)
        member = torch.zeros(len(soft_idx), self.n_blocks)
        member[torch.arange(len(soft_idx)), block] = 1.0
        order = torch.tensor(tanh_idx + soft_idx, dtype=torch.long)
        self.register_buffer("tanh_idx", torch.tensor(tanh_idx, dtype=torch.long), persistent=False)
        self.register_buffer("soft_idx", torch.tensor(soft_idx, dtype=torch.long), persistent=False)
        self.register_buffer("block", block, persistent=False)  # block of each softmax position
        self.register_buffer("member", member, persistent=False)  # (positions, blocks) 0/1
        self.register_buffer("offset", torch.tensor(starts, dtype=torch.long), persistent=False)
        self.register_buffer("inverse_order", torch.argsort(order), persistent=False)

    def _segment_max(self, x: Tensor) -> Tensor:
        """``(B, n_blocks)`` maximum of each block of the flat softmax positions ``x`` (no gradient)."""
        out = torch.full((x.shape[0], self.n_blocks), -torch.inf, device=x.device, dtype=x.dtype)
        return out.scatter_reduce(1, self.block.expand(x.shape[0], -1), x.detach(), "amax")

    def _segment_softmax(self, x: Tensor) -> Tensor:
        e = torch.exp(x - self._segment_max(x)[:, self.block])
        return e / (e @ self.member)[:, self.block]

    def _hard(self, x: Tensor) -> Tensor:
        return (x == self._segment_max(x)[:, self.block]).to(x.dtype)

    def forward(self, raw: Tensor, mode: str = "gumbel", tau: float = 0.2,
                generator: torch.Generator | None = None) -> Tensor:
        if raw.shape[1] != self.dim:
            raise ValueError(f"expected raw outputs of width {self.dim}, got {tuple(raw.shape)}")
        if mode not in ACTIVATION_MODES:
            raise ValueError(f"unknown activation mode {mode!r}; choose from {', '.join(ACTIVATION_MODES)}")
        raw = raw.float()
        parts = [torch.tanh(raw[:, self.tanh_idx])]
        if self.n_blocks:
            logits = raw[:, self.soft_idx]
            if mode == "softmax":
                parts.append(self._segment_softmax(logits))
            elif mode == "argmax":
                parts.append(self._hard(logits))
            elif mode == "argmax_straight_through":
                soft = self._segment_softmax(logits / tau)
                parts.append(self._hard(logits) - soft.detach() + soft)
            else:
                # + Gumbel(0, 1) noise, -log(-log(U)); torch.rand is several times faster than exponential_
                u = torch.rand(logits.shape, device=logits.device, generator=generator)
                noisy = logits - torch.log(-torch.log(u.clamp(1e-12, 1 - 1e-7)))
                if mode == "sample":
                    parts.append(self._hard(noisy))
                else:
                    soft = self._segment_softmax(noisy / tau)
                    if mode == "straight_through":  # hard forward, soft gradient
                        soft = self._hard(soft) - soft.detach() + soft
                    parts.append(soft)
        return torch.cat(parts, dim=1)[:, self.inverse_order]

    def block_cross_entropy(self, raw: Tensor, block: Tensor, target: Tensor) -> Tensor:
        """Mean over rows of the cross-entropy of softmax block ``block[i]`` against class ``target[i]``."""
        logits = raw.float()[:, self.soft_idx]
        top = self._segment_max(logits)
        lse = top + torch.log(torch.exp(logits - top[:, self.block]) @ self.member)
        rows = torch.arange(raw.shape[0], device=raw.device)
        return (lse[rows, block] - logits[rows, self.offset[block] + target]).mean()
