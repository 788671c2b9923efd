"""The PatchGAN discriminator (pix2pix): a fully convolutional D whose every output judges one patch.

The patch is the receptive field, chosen by ``receptive_field`` (70 by default, as in pix2pix at 256
px): :func:`patchgan_receptive_field` computes it from the layers, so the declared size is the one
built. D takes any image size; it also returns its intermediate maps for feature matching. It
judges one image (unpaired translation) or the channel-wise concatenation of input and output
(paired, conditional D): ``in_channels`` says which.
"""

from __future__ import annotations

from torch import Tensor, nn

from .layers import maybe_spectral_norm, norm_layer

__all__ = ["PatchGAN", "patchgan_layers", "patchgan_receptive_field", "receptive_field_of"]

_KERNEL = 4


def patchgan_layers(n_layers: int) -> list[tuple[int, int]]:
    """(kernel, stride) of each convolution of a PatchGAN with ``n_layers`` stride-2 layers."""
    return [(_KERNEL, 2)] * n_layers + [(_KERNEL, 1), (_KERNEL, 1)]


def receptive_field_of(layers: list[tuple[int, int]]) -> int:
    """Receptive field in input pixels of one output of a stack of (kernel, stride) convolutions."""
    size = 1
    for kernel, stride in reversed(layers):
        size = (size - 1) * stride + kernel
    return size


def patchgan_receptive_field(n_layers: int) -> int:
    """Receptive field of a PatchGAN with ``n_layers`` stride-2 layers (1: 16, 2: 34, 3: 70, 4: 142, 5: 286)."""
    return receptive_field_of(patchgan_layers(n_layers))


#: Receptive fields a PatchGAN can have, to its number of stride-2 layers.
RECEPTIVE_FIELDS = {patchgan_receptive_field(n): n for n in range(1, 7)}


class PatchGAN(nn.Module):
    """PatchGAN judging ``receptive_field`` x ``receptive_field`` patches: logits ``(N, 1, h, w)``."""

    def __init__(self, in_channels: int, width: int = 64, receptive_field: int = 70, norm: str = "batch",
                 spectral_norm: bool = False) -> None:
        super().__init__()
        if receptive_field not in RECEPTIVE_FIELDS:
            raise ValueError(f"a PatchGAN's receptive field is one of "
                             f"{', '.join(map(str, RECEPTIVE_FIELDS))}; got {receptive_field}")
        n_layers = RECEPTIVE_FIELDS[receptive_field]
        self.receptive_field = receptive_field
        plan = patchgan_layers(n_layers)
        self.blocks = nn.ModuleList()
        prev = in_channels
        for i, (kernel, stride) in enumerate(plan):
            last = i == len(plan) - 1
            out = 1 if last else width * min(2 ** i, 8)
            conv = maybe_spectral_norm(nn.Conv2d(prev, out, kernel, stride, 1,
                                                 bias=last or i == 0 or norm != "batch"), spectral_norm)
            layers: list[nn.Module] = [conv]
            if not last:
                if i > 0:
                    layers.append(norm_layer(norm, out))
                layers.append(nn.LeakyReLU(0.2))
            self.blocks.append(nn.Sequential(*layers))
            prev = out
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and hasattr(m, "weight") and not hasattr(m, "parametrizations"):
                nn.init.normal_(m.weight, 0.0, 0.02)

    def features(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """Logits and the intermediate maps (for feature matching)."""
        maps = []
        for block in self.blocks:
            x = block(x)
            maps.append(x)
        return x, maps[:-1]

    def forward(self, x: Tensor) -> Tensor:
        for block in self.blocks:
            x = block(x)
        return x
