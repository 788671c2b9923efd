import pytest
import torch

from ganforge.data.holdout import stratified_holdout
from ganforge.errors import ConfigError


def test_each_class_gives_its_share_and_keeps_at_least_one():
    labels = torch.tensor([0] * 50 + [1] * 10 + [2] * 2 + [3])
    kept, held = stratified_holdout(labels, 0.2, seed=1)
    counts = torch.bincount(labels[held], minlength=4).tolist()
    assert counts == [10, 2, 1, 0]
    assert torch.bincount(labels[kept], minlength=4).tolist() == [40, 8, 1, 1]
    assert set(kept.tolist()).isdisjoint(held.tolist()) and len(kept) + len(held) == len(labels)


def test_the_split_is_a_function_of_the_seed():
    labels = torch.arange(100) % 5
    a, b = stratified_holdout(labels, 0.3, seed=0), stratified_holdout(labels, 0.3, seed=0)
    c = stratified_holdout(labels, 0.3, seed=1)
    assert torch.equal(a[1], b[1]) and not torch.equal(a[1], c[1])


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_the_fraction_must_be_a_share(fraction):
    with pytest.raises(ConfigError, match="between 0 and 1"):
        stratified_holdout(torch.zeros(4, dtype=torch.int64), fraction)
