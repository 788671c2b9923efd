"""Privacy attacks on a synthetic table, each scored against a holdout the generator never saw.

* :func:`distance_attack` -- membership by distance: a row is called a member when a synthetic row
  lies close to it (AUC of members = training rows against non-members = holdout rows).
* :func:`density_attack` -- DOMIAS (van Breugel et al. 2023): membership by the ratio of the synthetic
  density to the population density at the row, the population's estimated from half the holdout
  (Gaussian kernels on the encoded rows); the other half are the non-members.
* :func:`attribute_inference`, :func:`singling_out`, :func:`linkability` -- the three risks of the
  GDPR's guidance as anonymeter (Giomi et al. 2023) measures them, written here in a few lines
  because anonymeter pins older numpy/pandas than ganforge's: each attack is run on training targets
  and on holdout ("control") targets, and the risk is ``(rate_train - rate_control) / (1 -
  rate_control)``, clipped at 0 -- what the synthetic table tells about its training rows beyond what
  it tells about anybody. Attribute inference and singling-out use the quasi-identifiers the user
  marks (``quasi_identifiers``) and the sensitive columns (``sensitive``).

Rows are encoded as the report encodes them (numbers standardised on the training table, categories
one-hot), in :func:`encode`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ganforge.errors import DataError
from ganforge.metrics.tabular.prepare import NUMERIC_KINDS, _Columns, _Features

__all__ = ["attribute_inference", "density_attack", "distance_attack", "encode", "linkability", "risk",
           "singling_out"]


def encode(tables: dict[str, pd.DataFrame], kinds: dict[str, str], columns: Sequence[str] | None = None,
           ref: str = "train") -> dict[str, np.ndarray]:
    """Each table's rows as a float matrix over ``columns`` (default: all but identifiers)."""
    columns = [c for c in (columns or kinds) if kinds[c] != "identifier"]
    sub = {c: kinds[c] for c in columns}
    cols = _Columns({t: df[columns] for t, df in tables.items()}, sub)
    feats = _Features(cols, ref)
    return {t: feats(t) for t in tables}


def _nearest(ref: np.ndarray, query: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=min(k, len(ref)), algorithm="brute").fit(ref)
    return nn.kneighbors(query, return_distance=True)


def _auc(members: np.ndarray, non_members: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    labels = np.r_[np.ones(len(members)), np.zeros(len(non_members))]
    return float(roc_auc_score(labels, np.r_[members, non_members]))


def _balanced(train: pd.DataFrame, holdout: pd.DataFrame, max_rows: int, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = min(len(train), len(holdout), max_rows)
    if n < 2:
        raise DataError("the attacks need at least 2 training rows and 2 holdout rows")
    return (train.iloc[rng.choice(len(train), n, replace=False)].reset_index(drop=True),
            holdout.iloc[rng.choice(len(holdout), n, replace=False)].reset_index(drop=True))


def distance_attack(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str],
                    max_rows: int = 5000, seed: int = 0) -> dict:
    """Membership AUC of ``-distance to the closest synthetic row`` (0.5: no signal)."""
    rng = np.random.default_rng(seed)
    mem, non = _balanced(train, holdout, max_rows, rng)
    syn = synthetic.iloc[rng.permutation(len(synthetic))[:max_rows * 4]]
    x = encode({"train": train, "mem": mem, "non": non, "syn": syn}, kinds)
    d_mem = _nearest(x["syn"], x["mem"])[0][:, 0]
    d_non = _nearest(x["syn"], x["non"])[0][:, 0]
    return {"auc": _auc(-d_mem, -d_non), "n": int(len(mem))}


def density_attack(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str],
                   max_rows: int = 2000, seed: int = 0) -> dict:
    """DOMIAS: AUC of ``log p_synthetic(x) - log p_population(x)``; half the holdout estimates the population."""
    from sklearn.decomposition import PCA
    from sklearn.neighbors import KernelDensity

    rng = np.random.default_rng(seed)
    if len(holdout) < 4:
        raise DataError("the density attack needs at least 4 holdout rows")
    order = rng.permutation(len(holdout))
    ref, non_all = holdout.iloc[order[: len(order) // 2]], holdout.iloc[order[len(order) // 2:]]
    mem, non = _balanced(train, non_all, max_rows, rng)
    syn = synthetic.iloc[rng.permutation(len(synthetic))[:max_rows * 2]]
    x = encode({"train": train, "mem": mem, "non": non, "syn": syn, "ref": ref}, kinds)
    dims = min(8, x["train"].shape[1], len(x["ref"]) - 1)
    pca = PCA(dims, random_state=seed).fit(x["train"][rng.permutation(len(x["train"]))[:10_000]])
    z = {k: pca.transform(v) for k, v in x.items()}
    scale = z["train"].std(0) + 1e-9
    z = {k: v / scale for k, v in z.items()}

    def kde(data: np.ndarray) -> KernelDensity:
        bw = len(data) ** (-1.0 / (dims + 4))  # Scott's rule on unit-variance axes
        return KernelDensity(bandwidth=bw).fit(data)

    p_syn, p_ref = kde(z["syn"]), kde(z["ref"])
    score = {k: p_syn.score_samples(z[k]) - p_ref.score_samples(z[k]) for k in ("mem", "non")}
    return {"auc": _auc(score["mem"], score["non"]), "n": int(len(mem)), "reference_rows": int(len(ref))}


def risk(rate_train: float, rate_control: float) -> float:
    """Anonymeter's risk: the attack's success on training targets beyond its success on others."""
    if rate_control >= 1:
        return 0.0
    return float(max(0.0, (rate_train - rate_control) / (1 - rate_control)))


def _check_columns(df: pd.DataFrame, cols: Sequence[str], what: str) -> list[str]:
    bad = [c for c in cols if c not in df.columns]
    if bad:
        raise DataError(f"unknown {what} column(s) {', '.join(map(repr, bad))}; the columns are: "
                        f"{', '.join(map(str, df.columns[:20]))}")
    return list(cols)


def attribute_inference(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame,
                        kinds: dict[str, str], quasi_identifiers: Sequence[str], sensitive: Sequence[str],
                        max_rows: int = 2000, seed: int = 0) -> dict:
    """Guess each sensitive value of a target from the synthetic row nearest on the quasi-identifiers;
    a number is right within 5% of its value. Per sensitive column: rates on train and control, risk."""
    qi = _check_columns(train, quasi_identifiers, "quasi-identifier")
    rng = np.random.default_rng(seed)
    mem, non = _balanced(train, holdout, max_rows, rng)
    x = encode({"train": train, "mem": mem, "non": non, "syn": synthetic}, kinds, qi)
    out = {}
    for col in _check_columns(train, sensitive, "sensitive"):
        rates = {}
        for name, key, targets in (("train", "mem", mem), ("control", "non", non)):
            guess = synthetic[col].to_numpy()[_nearest(x["syn"], x[key])[1][:, 0]]
            truth = targets[col].to_numpy()
            if kinds[col] in NUMERIC_KINDS:
                g, t = pd.to_numeric(pd.Series(guess), errors="coerce"), pd.to_numeric(pd.Series(truth), errors="coerce")
                right = (np.abs(g - t) <= 0.05 * np.abs(t)).to_numpy()
            else:
                right = pd.Series(guess).astype(str).to_numpy() == pd.Series(truth).astype(str).to_numpy()
            rates[name] = float(np.mean(right))
        out[col] = {"train": rates["train"], "control": rates["control"], "risk": risk(rates["train"], rates["control"])}
    return out


def singling_out(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame,
                 quasi_identifiers: Sequence[str], n_queries: int = 500, seed: int = 0) -> dict:
    """Predicates read off synthetic rows (their quasi-identifier values) that match exactly one row of a
    same-size sample of the training table, against one of the holdout: rates and risk."""
    qi = _check_columns(train, quasi_identifiers, "quasi-identifier")
    rng = np.random.default_rng(seed)
    mem, non = _balanced(train, holdout, 10**9, rng)
    queries = synthetic[qi].iloc[rng.permutation(len(synthetic))[:n_queries]].astype(str)

    def rate(table: pd.DataFrame) -> float:
        counts = table[qi].astype(str).value_counts()
        keys = list(map(tuple, queries.to_numpy()))
        return float(np.mean([counts.get(k if len(qi) > 1 else k[0], 0) == 1 for k in keys])) if keys else 0.0

    r_train, r_control = rate(mem), rate(non)
    return {"train": r_train, "control": r_control, "risk": risk(r_train, r_control), "queries": int(len(queries))}


def linkability(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str],
                columns_a: Sequence[str], columns_b: Sequence[str], k: int = 1, max_rows: int = 2000,
                seed: int = 0) -> dict:
    """Link a target's two halves (``columns_a``, ``columns_b``) through the synthetic table: success when
    the ``k`` synthetic rows nearest on each half share one. Rates on train and control targets, risk."""
    a = [c for c in _check_columns(train, columns_a, "linkability") if kinds[c] != "identifier"]
    b = [c for c in _check_columns(train, columns_b, "linkability") if kinds[c] != "identifier"]
    if not a or not b:
        raise DataError("linkability needs two non-empty sets of (non-identifier) columns")
    rng = np.random.default_rng(seed)
    mem, non = _balanced(train, holdout, max_rows, rng)
    tables = {"train": train, "mem": mem, "non": non, "syn": synthetic}
    xa, xb = encode(tables, kinds, a), encode(tables, kinds, b)
    rates = {}
    for name, key in (("train", "mem"), ("control", "non")):
        ia = _nearest(xa["syn"], xa[key], k)[1]
        ib = _nearest(xb["syn"], xb[key], k)[1]
        rates[name] = float(np.mean([len(np.intersect1d(p, q)) > 0 for p, q in zip(ia, ib)]))
    return {"train": rates["train"], "control": rates["control"], "risk": risk(rates["train"], rates["control"])}


def run_attacks(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str],
                quasi_identifiers: Sequence[str] = (), sensitive: Sequence[str] = (), seed: int = 0) -> dict:
    """Every attack that applies: membership by distance and by density ratio always; with quasi-identifiers
    singling out and (two or more) linkability of their halves; with sensitive columns too, attribute inference."""
    out: dict = {"distance": distance_attack(train, holdout, synthetic, kinds, seed=seed)}
    if len(holdout) >= 4:
        out["density"] = density_attack(train, holdout, synthetic, kinds, seed=seed)
    qi = [c for c in quasi_identifiers if kinds.get(c) != "identifier"]
    if qi:
        if sensitive:
            out["attribute_inference"] = attribute_inference(train, holdout, synthetic, kinds, qi, sensitive, seed=seed)
        out["singling_out"] = singling_out(train, holdout, synthetic, qi, seed=seed)
        if len(qi) >= 2:
            half = len(qi) // 2
            out["linkability"] = linkability(train, holdout, synthetic, kinds, qi[:half], qi[half:], seed=seed)
    return out
