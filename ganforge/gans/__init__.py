"""GAN types: each owns its networks and its adversarial step."""

from ganforge.gans.base import GAN, frozen

__all__ = ["GAN", "frozen"]
