"""Adversarial losses and gradient penalties for GAN training.

All functions are pure: they take discriminator outputs ("logits", raw and of
any shape) and return a scalar float32 tensor. Reductions are means over all
elements, and computation happens in float32 even for bf16/fp16 inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from ganforge.registry import LOSSES

__all__ = [
    "AdversarialLoss",
    "LOSSES",
    "PENALTIES",
    "get_loss",
    "gradient_penalty",
    "r1_penalty",
]


def _bce_with_logits(logits: Tensor, target: float) -> Tensor:
    """Mean binary cross-entropy of ``sigmoid(logits)`` against a (soft) constant target."""
    if target == 1.0:
        return F.softplus(-logits).mean()
    if target == 0.0:
        return F.softplus(logits).mean()
    return (target * F.softplus(-logits) + (1.0 - target) * F.softplus(logits)).mean()


def _check_target(real_target: float) -> float:
    real_target = float(real_target)
    if not 0.0 <= real_target <= 1.0:
        raise ValueError(f"real_target must be in [0, 1], got {real_target}")
    return real_target


# --- per-loss definitions: (real, fake, target) -> D loss, fake -> G loss -------------

def _bce_d(real: Tensor, fake: Tensor, target: float) -> Tensor:
    return _bce_with_logits(real, target) + _bce_with_logits(fake, 0.0)


def _minimax_g(fake: Tensor) -> Tensor:
    # G minimises E[log(1 - D(G(z)))] = -E[softplus(f)] (saturating form).
    return -F.softplus(fake).mean()


def _nonsaturating_g(fake: Tensor) -> Tensor:
    # G minimises -E[log D(G(z))] = E[softplus(-f)].
    return F.softplus(-fake).mean()


def _wasserstein_d(real: Tensor, fake: Tensor, target: float) -> Tensor:
    return fake.mean() - real.mean()


def _neg_mean_g(fake: Tensor) -> Tensor:
    return -fake.mean()


def _hinge_d(real: Tensor, fake: Tensor, target: float) -> Tensor:
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def _lsq_d(real: Tensor, fake: Tensor, target: float) -> Tensor:
    return 0.5 * (real - target).pow(2).mean() + 0.5 * fake.pow(2).mean()


def _lsq_g(fake: Tensor) -> Tensor:
    return 0.5 * (fake - 1.0).pow(2).mean()


@dataclass(frozen=True)
class AdversarialLoss:
    """A named GAN objective: discriminator and generator losses on raw logits.

    ``supports_label_smoothing``: whether ``real_target`` (one-sided label
    smoothing) is meaningful; where it is not (wasserstein, hinge) it is ignored.
    ``needs_lipschitz``: the critic must be constrained (gradient penalty or
    spectral norm) for the loss to be well defined (wasserstein).
    """

    name: str
    supports_label_smoothing: bool
    needs_lipschitz: bool
    _d: Callable[[Tensor, Tensor, float], Tensor] = field(repr=False, compare=False)
    _g: Callable[[Tensor], Tensor] = field(repr=False, compare=False)

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor, real_target: float = 1.0) -> Tensor:
        """Scalar float32 discriminator loss; ``real_target`` is the (soft) label for real data."""
        target = _check_target(real_target) if self.supports_label_smoothing else 1.0
        return self._d(real_logits.float(), fake_logits.float(), target)

    def g_loss(self, fake_logits: Tensor) -> Tensor:
        """Scalar float32 generator loss."""
        return self._g(fake_logits.float())


for _loss in (
    AdversarialLoss("minimax", True, False, _bce_d, _minimax_g),
    AdversarialLoss("nonsaturating", True, False, _bce_d, _nonsaturating_g),
    AdversarialLoss("wasserstein", False, True, _wasserstein_d, _neg_mean_g),
    AdversarialLoss("hinge", False, False, _hinge_d, _neg_mean_g),
    AdversarialLoss("least_squares", True, False, _lsq_d, _lsq_g),
):
    LOSSES.register(_loss.name, _loss)


def get_loss(name: str) -> AdversarialLoss:
    """Return the loss registered in :data:`ganforge.registry.LOSSES` under ``name``; an unknown name is a
    ConfigError (a ValueError) naming the closest one."""
    return LOSSES.get(name)


# --- penalties ------------------------------------------------------------------------

def gradient_penalty(
    discriminator: Callable[[Tensor], Tensor],
    real: Tensor,
    fake: Tensor,
    generator: torch.Generator | None = None,
    center: float = 1.0,
) -> Tensor:
    """WGAN-GP penalty: mean over samples of (||grad D(x_hat)||_2 - center)^2.

    ``x_hat = a*real + (1-a)*fake`` with ``a ~ U(0, 1)`` per sample; the norm is over
    all non-batch dimensions. Differentiable w.r.t. the discriminator's parameters;
    the caller multiplies by the penalty weight (lambda, usually 10).
    """
    if real.shape != fake.shape:
        raise ValueError(f"real and fake shapes differ: {tuple(real.shape)} vs {tuple(fake.shape)}")
    if real.dim() < 2:
        raise ValueError(f"expected a batch of shape (B, ...), got {tuple(real.shape)}")
    real = real.detach()
    fake = fake.detach()
    alpha_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(alpha_shape, generator=generator, device=real.device)
    x_hat = alpha * real.float() + (1.0 - alpha) * fake.float()
    x_hat = x_hat.to(real.dtype).requires_grad_(True)
    out = discriminator(x_hat)
    (grad,) = torch.autograd.grad(outputs=out.sum(), inputs=x_hat, create_graph=True)
    norms = torch.linalg.vector_norm(grad.float().flatten(1), ord=2, dim=1)
    return (norms - center).pow(2).mean()


def r1_penalty(real_logits: Tensor, real: Tensor) -> Tensor:
    """R1 penalty: mean over samples of ||grad_x D(x)||^2 at real data.

    ``real`` must have ``requires_grad=True`` and ``real_logits = D(real)``.
    The caller multiplies by gamma / 2.
    """
    if not real.requires_grad:
        raise ValueError("r1_penalty needs real.requires_grad=True before computing real_logits = D(real)")
    (grad,) = torch.autograd.grad(outputs=real_logits.sum(), inputs=real, create_graph=True)
    return grad.float().flatten(1).pow(2).sum(dim=1).mean()


PENALTIES: dict[str, Callable[..., Tensor]] = {
    "gradient_penalty": gradient_penalty,
    "r1": r1_penalty,
}
