"""The ResNet translator of CycleGAN (Johnson et al. 2016; Zhu et al. 2017): image in, image out.

A 7x7 convolution, two stride-2 convolutions down (``width`` -> ``4 * width`` channels), ``blocks``
residual blocks (6 for 128-pixel images, 9 for 256 in the paper), two transposed convolutions up and
a 7x7 convolution to ``out_channels`` with ``tanh``. Instance normalisation, reflection padding (no
border artefacts), no dropout: the network computes the same in training and in eval mode. Sides must
be multiples of 4 (:attr:`ResnetTranslator.multiple`).
"""

from __future__ import annotations

from torch import Tensor, nn

from .layers import norm_layer

__all__ = ["ResnetTranslator", "TranslatorBlock"]


def _conv(in_ch: int, out_ch: int, kernel: int, norm: str, relu: bool = True) -> list[nn.Module]:
    """Reflection pad, conv (no bias before a norm), norm, ReLU."""
    layers: list[nn.Module] = [nn.ReflectionPad2d(kernel // 2),
                               nn.Conv2d(in_ch, out_ch, kernel, bias=norm == "none")]
    layers.append(norm_layer(norm, out_ch))
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return layers


class TranslatorBlock(nn.Module):
    """``x + (pad, conv3x3, norm, ReLU, pad, conv3x3, norm)(x)``."""

    def __init__(self, channels: int, norm: str = "instance") -> None:
        super().__init__()
        self.body = nn.Sequential(*_conv(channels, channels, 3, norm), *_conv(channels, channels, 3, norm, relu=False))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class ResnetTranslator(nn.Module):
    """``in_channels`` -> ``out_channels`` images of the same size (sides multiples of 4), outputs in [-1, 1]."""

    multiple = 4

    def __init__(self, in_channels: int, out_channels: int, width: int = 64, blocks: int = 9,
                 norm: str = "instance") -> None:
        super().__init__()
        if blocks < 1 or width < 1:
            raise ValueError(f"the ResNet translator needs blocks >= 1 and width >= 1; got {blocks} and {width}")
        layers: list[nn.Module] = _conv(in_channels, width, 7, norm)
        for i in range(2):  # down: width -> 2 width -> 4 width
            c = width * 2 ** i
            layers += [nn.Conv2d(c, 2 * c, 3, 2, 1, bias=norm == "none"), norm_layer(norm, 2 * c), nn.ReLU(True)]
        layers += [TranslatorBlock(4 * width, norm) for _ in range(blocks)]
        for i in (2, 1):  # up: 4 width -> 2 width -> width
            c = width * 2 ** i
            layers += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1, bias=norm == "none"),
                       norm_layer(norm, c // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.blocks = blocks
        for m in self.modules():  # the paper's N(0, 0.02) initialisation
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] % self.multiple or x.shape[-2] % self.multiple:
            raise ValueError(f"the ResNet translator needs sides that are multiples of {self.multiple}; "
                             f"got {x.shape[-2]}x{x.shape[-1]}")
        return self.net(x)
