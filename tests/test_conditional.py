"""Conditional GANs: the labelled data view, the networks' shapes and label handling, AC-GAN's
auxiliary loss and the projection discriminator against hand computations, config and run folders."""

from __future__ import annotations

import pytest
import torch

from ganforge.data import DataError, Dataset, load_dataset


def test_with_labels_view_gives_images_and_labels_and_keeps_the_plain_batch():
    ds = load_dataset("digits", n=50)
    x = ds.batch(torch.arange(4))
    view = ds.with_labels()
    xv, y = view.batch(torch.arange(4))
    assert torch.equal(x, xv) and torch.equal(y, ds.labels[:4])
    assert view.num_classes == 10 and len(view) == len(ds)
    assert isinstance(ds.batch(torch.arange(2)), torch.Tensor)  # the original is unchanged
    sub = view.subset(10, seed=1)
    assert isinstance(sub.batch(torch.arange(2)), tuple)  # views survive subsetting


def test_with_labels_needs_labels():
    bare = Dataset(torch.zeros(4, 1, 8, 8, dtype=torch.uint8), "bare")
    assert bare.num_classes == 0
    with pytest.raises(DataError, match="'bare' has no labels"):
        bare.with_labels()
