"""Privacy of a synthetic table: distances to the closest record, exact copies, membership inference,
identifier copies (see :mod:`ganforge.metrics.tabular`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .prepare import NUMERIC_KINDS, _Columns, _Features, _keys, _limited, _numeric_values, _sample_rows


def _row_hashes(df: pd.DataFrame, kinds: dict[str, str]) -> np.ndarray:
    canon = {}
    for col, kind in kinds.items():
        if kind in NUMERIC_KINDS:
            canon[col] = _numeric_values(df[col], kind)
        else:
            canon[col] = _keys(df[col])
    return pd.util.hash_pandas_object(pd.DataFrame(canon), index=False).to_numpy()


def _nearest(ref: np.ndarray, query: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(ref)
    return nn.kneighbors(query, return_distance=True)[0][:, 0]


@_limited
def privacy_metrics(cols: _Columns, train: str = "real", synthetic: str = "synthetic", holdout: str = "holdout",
                    max_rows: int | None = 10_000, seed: int = 0) -> dict:
    """DCR (synthetic->train vs holdout->train), exact-copy shares, distance-based membership AUC."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    feats = _Features(cols, train)
    train_hash = set(_row_hashes(cols.tables[train], cols.kinds).tolist())
    copies = {t: float(np.isin(_row_hashes(cols.tables[t], cols.kinds), list(train_hash)).mean())
              for t in (synthetic, holdout)}
    n_train = len(cols.tables[train])
    ref_rows = _sample_rows(n_train, None, rng)
    syn_rows = _sample_rows(len(cols.tables[synthetic]), max_rows, rng)
    hold_rows = _sample_rows(len(cols.tables[holdout]), max_rows, rng)
    x_train = feats(train, ref_rows)
    d_syn = _nearest(x_train, feats(synthetic, syn_rows))
    d_hold = _nearest(x_train, feats(holdout, hold_rows))

    def summary(d):
        return {"p5": float(np.percentile(d, 5)), "median": float(np.median(d)), "n": int(len(d))}

    # membership inference: members (training rows) vs non-members (holdout), scored by -DCR to synthetic
    n_mem = min(len(hold_rows), n_train)
    members = np.sort(rng.choice(n_train, n_mem, replace=False))
    x_syn = feats(synthetic, syn_rows)
    d_mem = _nearest(x_syn, feats(train, members))
    d_non = _nearest(x_syn, feats(holdout, hold_rows))
    labels = np.r_[np.ones(len(d_mem)), np.zeros(len(d_non))]
    mia = float(roc_auc_score(labels, -np.r_[d_mem, d_non]))
    return {
        "dcr": {"synthetic_to_train": summary(d_syn), "holdout_to_train": summary(d_hold),
                "synthetic_below_holdout_p5": float((d_syn < np.percentile(d_hold, 5)).mean())},
        "exact_copies": {"synthetic": copies[synthetic], "holdout": copies[holdout]},
        "membership_auc": mia,
        "n_members": int(n_mem),
    }


def identifier_copies(tables: dict[str, pd.DataFrame], ids: list[str]) -> dict[str, float]:
    """For each identifier column, the share of synthetic values that are real values (should be 0)."""
    out = {}
    for col in ids:
        real = set(tables["real"][col].dropna().astype(str))
        fake = tables["synthetic"][col].dropna().astype(str)
        out[col] = float(fake.isin(real).mean()) if len(fake) else 0.0
    return out
