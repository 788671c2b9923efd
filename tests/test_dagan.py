"""DAGAN: pair construction, the image-conditional generator, its step, and augment() on held-out classes."""

from __future__ import annotations

import pytest
import torch

from ganforge.data import DataError, Dataset


def labelled_images(labels, size=8):
    labels = torch.as_tensor(labels, dtype=torch.int64)
    data = torch.randint(0, 256, (len(labels), 1, size, size), dtype=torch.uint8)
    return Dataset(data, "toy", labels)


def test_pairs_never_pair_different_classes_or_an_image_with_itself():
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 2, 0, 3, 3, 1, 0] * 5)
    ds = labelled_images(labels).with_labels(pairs=True)
    g = torch.Generator().manual_seed(0)
    index = torch.arange(len(ds)).repeat(20)
    partners = ds.partners(index, generator=g)
    assert torch.equal(labels[partners], labels[index])
    assert not (partners == index).any()
    # Every other member of a class is drawn (the draw covers the class, not a fixed neighbour).
    for i in range(len(labels)):
        got = set(partners[index == i].tolist())
        same = set(torch.nonzero(labels == labels[i]).flatten().tolist()) - {i}
        assert got <= same and len(got) >= min(len(same), 5)


def test_pair_batches_hold_images_partners_and_labels():
    ds = labelled_images([0, 0, 1, 1, 1, 2, 2]).with_labels(pairs=True)
    x, partner, y = ds.batch(torch.tensor([0, 2, 5, 6]))
    assert x.shape == partner.shape == (4, 1, 8, 8) and y.tolist() == [0, 1, 2, 2]
    assert x.min() >= -1 and x.max() <= 1
    # The partner is a different stored image of the same class.
    for xi, pi, yi in zip(x, partner, y):
        members = ds.data[ds.labels == yi].float() / 127.5 - 1
        assert any(torch.equal(pi, m) for m in members)
        assert not torch.equal(pi, xi)


def test_pairs_need_two_images_per_class_and_labels():
    with pytest.raises(DataError, match="class 2 has one"):
        labelled_images([0, 0, 1, 1, 2]).with_labels(pairs=True)
    with pytest.raises(DataError, match="has no labels"):
        Dataset(torch.zeros(4, 1, 8, 8, dtype=torch.uint8), "bare").with_labels(pairs=True)
