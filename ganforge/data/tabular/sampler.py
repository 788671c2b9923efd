"""Training-by-sampling (Xu et al. 2019) for a transformed table: the data set a tabular GAN trains on.

:class:`ConditionalRows`' ``batch(index)`` draws, for each of the ``len(index)`` rows, a discrete column
uniformly and one of its categories by log-frequency, and then a real row holding that category -- all as
tensor operations on the global torch RNG, which the Trainer checkpoints (so a resumed run draws exactly the
batches it would have drawn). The Trainer's own shuffled ``index`` is used only for its length; a table
without discrete columns uses it as the rows. The batch is a dict: ``real`` (B, dim) transformed rows,
``column`` (B,) the chosen condition column, ``category`` (B,) its category.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from ganforge.errors import DataError

__all__ = ["ConditionalRows"]


class ConditionalRows:
    """Training data with training-by-sampling (see the module docs).

    Args:
        data: the transformed table, float32 ``(N, dim)``.
        condition_spans: ``(start, width)`` of each discrete column's one-hot block.
        log_frequency: draw a column's categories in proportion to ``log(1 + count)`` (CTGAN's
            default, which shows rare categories more often); ``False``: in proportion to count.
    """

    unit = "encoded rows"  # what the Trainer's start line calls the samples

    def __init__(self, data: np.ndarray | Tensor, condition_spans: Sequence[tuple[int, int]],
                 log_frequency: bool = True) -> None:
        self.data = torch.as_tensor(data, dtype=torch.float32).contiguous()
        self.spans = [(int(s), int(w)) for s, w in condition_spans]
        n = len(self.data)
        if n == 0:
            raise DataError("no rows to train on")
        widths = [w for _, w in self.spans]
        self.n_columns = len(self.spans)
        weights = torch.zeros(max(self.n_columns, 1), max(widths, default=1), dtype=torch.float64)
        counts, firsts, groups = [], [], []
        for c, (s, w) in enumerate(self.spans):
            code = self.data[:, s:s + w].argmax(1)
            cnt = torch.bincount(code, minlength=w)
            counts.append(cnt)
            groups.append(torch.argsort(code, stable=True))  # this column's rows, grouped by category
            firsts.append(c * n + torch.cumsum(cnt, 0) - cnt)
            weights[c, :w] = torch.log1p(cnt.double()) if log_frequency else cnt.double()
        self.weights = (weights / weights.sum(1, keepdim=True).clamp_min(1e-300)).float()
        # Category g (numbered over all condition columns) owns row_order[first[g] : first[g] + count[g]].
        empty = torch.zeros(0, dtype=torch.long)
        self.count = torch.cat(counts) if counts else empty
        self.first = torch.cat(firsts) if firsts else empty
        self.row_order = torch.cat(groups) if groups else empty
        self.column_offset = torch.tensor([0] + widths[:-1], dtype=torch.long).cumsum(0) if widths else empty

    def __len__(self) -> int:
        return len(self.data)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one transformed row, ``(dim,)``."""
        return tuple(self.data.shape[1:])

    def batch(self, index: Tensor) -> dict[str, Tensor]:
        b = len(index)
        if self.n_columns == 0:
            zeros = torch.zeros(b, dtype=torch.long)
            return {"real": self.data[index], "column": zeros, "category": zeros}
        column = torch.randint(self.n_columns, (b,))
        category = torch.multinomial(self.weights[column], 1).squeeze(1)
        g = self.column_offset[column] + category
        pick = (torch.rand(b, dtype=torch.float64) * self.count[g]).long()
        rows = self.row_order[self.first[g] + pick]
        return {"real": self.data[rows], "column": column, "category": category}
