"""GAIN's hint: the revealed share is the hint rate, and D is never scored on what it was told."""

import pytest
import torch

from ganforge.impute.hint import hint


def test_paper_hint_reveals_the_rate_and_scores_only_hidden_entries():
    g = torch.Generator().manual_seed(0)
    m = (torch.rand(4000, 25, generator=g) < 0.7).float()
    h, w = hint(m, 0.9, "paper", g)
    revealed = h != 0.5
    assert abs(revealed.float().mean().item() - 0.9) < 0.005
    assert torch.equal(h[revealed], m[revealed])          # a revealed entry is the truth
    assert torch.all(w[revealed] == 0)                     # ... and never scored
    assert torch.all(w[~revealed] == 1)


def test_code_hint_is_b_times_m_and_scores_everything():
    g = torch.Generator().manual_seed(1)
    m = (torch.rand(2000, 10, generator=g) < 0.5).float()
    h, w = hint(m, 0.8, "code", g)
    assert set(h.unique().tolist()) <= {0.0, 1.0}
    assert torch.all(h <= m)                               # hidden entries read as 0 ("missing")
    assert abs(h[m == 1].mean().item() - 0.8) < 0.02
    assert torch.all(w == 1)


def test_bad_hint_arguments():
    m = torch.ones(2, 2)
    with pytest.raises(ValueError, match="hint must be"):
        hint(m, 0.9, "other")
    with pytest.raises(ValueError, match="hint_rate"):
        hint(m, 1.5)
