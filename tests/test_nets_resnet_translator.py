"""The ResNet translator of CycleGAN: size in = size out, its block count and width, no train/eval
difference (instance norm, no dropout), and a clear error for sides that are not multiples of 4."""

from __future__ import annotations

import pytest
import torch

from ganforge.nets.resnet_translator import ResnetTranslator, TranslatorBlock


@pytest.mark.parametrize("blocks", [6, 9])
def test_blocks_width_and_shapes(blocks):
    net = ResnetTranslator(3, 1, width=8, blocks=blocks)
    assert sum(isinstance(m, TranslatorBlock) for m in net.modules()) == blocks
    assert net.net[1].out_channels == 8
    y = net(torch.randn(2, 3, 20, 28))
    assert y.shape == (2, 1, 20, 28) and y.abs().max() <= 1


def test_eval_mode_computes_what_training_mode_computes():
    torch.manual_seed(0)
    net = ResnetTranslator(1, 1, width=4, blocks=2)
    with torch.no_grad():
        x = torch.randn(3, 1, 16, 16)
        a = net.train()(x)
        b = net.eval()(x)
    assert torch.equal(a, b)


def test_sides_must_be_multiples_of_four():
    with pytest.raises(ValueError, match="multiples of 4"):
        ResnetTranslator(1, 1, width=4, blocks=1)(torch.randn(1, 1, 18, 16))
