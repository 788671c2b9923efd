"""Scores of unpaired translation: FID to real B and label preservation by a B classifier."""

from __future__ import annotations

import pytest
import torch

from ganforge.errors import DataError
from ganforge.metrics.unpaired import unpaired_scores


def brightness_classifier(x):
    """Features: mean and std per image; logits: class 1 when the image is bright (mean > 0)."""
    m = x.flatten(1).mean(1, keepdim=True)
    return torch.cat([m, x.flatten(1).std(1, keepdim=True)], 1), torch.cat([-m, m], 1)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_fid_to_b_and_label_preservation():
    g = torch.Generator().manual_seed(0)
    real_b = torch.rand(200, 1, 8, 8, generator=g) * 2 - 1
    labels = torch.arange(200) % 2
    # translations that keep the label: bright for class 1, dark for class 0
    good = (torch.rand(200, 1, 8, 8, generator=g) * 0.5 + torch.where(labels == 1, 0.25, -0.75)[:, None, None, None])
    out = unpaired_scores(good, real_b, source_labels=labels, classifier=brightness_classifier,
                          extractor=brightness_classifier)
    assert out["label_preservation"] == 1.0 and out["n_translated"] == out["n_real"] == 200
    flipped = unpaired_scores(good, real_b, source_labels=1 - labels, classifier=brightness_classifier,
                              extractor=brightness_classifier)
    assert flipped["label_preservation"] == 0.0
    same = unpaired_scores(real_b, real_b, extractor=brightness_classifier)
    assert same["fid"] == pytest.approx(0.0, abs=1e-6) and "label_preservation" not in same
    assert out["fid"] > 0.01
    with pytest.raises(DataError, match="both"):
        unpaired_scores(good, real_b, source_labels=labels, extractor=brightness_classifier)
