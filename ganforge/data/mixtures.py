"""Synthetic Gaussian mixtures used to study mode collapse (VEEGAN, PacGAN)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ganforge.errors import DataError

__all__ = ["Mixture", "ring8", "grid25", "gaussian1d"]


@dataclass
class Mixture:
    """An equal-weight mixture of isotropic Gaussians.

    ``centers`` is a float32 ``(K, D)`` tensor of component means and ``std`` the
    standard deviation shared by every component and coordinate.
    """

    centers: torch.Tensor
    std: float

    def __post_init__(self) -> None:
        centers = torch.as_tensor(self.centers, dtype=torch.float32)
        if centers.ndim != 2 or centers.shape[0] == 0 or centers.shape[1] == 0:
            raise DataError(f"mixture centers must have shape (K, D) with K, D >= 1, got {tuple(centers.shape)}")
        if not torch.isfinite(centers).all():
            raise DataError("mixture centers contain NaN or Inf")
        if not (math.isfinite(self.std) and self.std > 0):
            raise DataError(f"mixture std must be a positive finite number, got {self.std!r}")
        self.centers = centers
        self.std = float(self.std)

    @property
    def n_modes(self) -> int:
        """Number of components K."""
        return int(self.centers.shape[0])

    @property
    def dim(self) -> int:
        """Dimension D of the samples."""
        return int(self.centers.shape[1])

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` float32 samples ``(n, D)``; each picks a component uniformly at random."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise DataError(f"number of samples must be a non-negative integer, got {n!r}")
        component = torch.randint(self.n_modes, (n,), generator=generator)
        noise = torch.randn(n, self.dim, generator=generator)
        return self.centers[component] + self.std * noise


def ring8(radius: float = 1.0, std: float = 0.01) -> Mixture:
    """8 Gaussians evenly spaced on a circle (angles 2*pi*k/8, k = 0..7), std 0.01."""
    angles = 2 * math.pi * torch.arange(8, dtype=torch.float64) / 8  # endpoint excluded: 8 distinct modes
    centers = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return Mixture(centers.float(), std)


def grid25(spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """25 Gaussians on the grid {-4, -2, 0, 2, 4}^2 (for the default spacing), std 0.05."""
    coords = spacing * torch.arange(-2, 3, dtype=torch.float32)
    xs, ys = torch.meshgrid(coords, coords, indexing="ij")
    return Mixture(torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1), std)


def gaussian1d(mean: float = 4.0, std: float = 1.25) -> Mixture:
    """A single 1-D Gaussian, by default N(4, 1.25^2), as a one-component mixture."""
    return Mixture(torch.tensor([[float(mean)]]), std)
