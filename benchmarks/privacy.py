"""Differentially private synthetic Adult: ganforge's private TabularGAN against DP independent marginals.

For each epsilon (``inf``: no privacy, the ordinary TabularGAN and exact marginals) and seed, each method
is trained once on the UCI Adult training file plus the audit's canaries and a ``customer_id`` column
(declared an identifier), and judged on:

* TSTR: histogram gradient boosting trained on the synthetic table, tested on the real test file (AUROC
  and F1 of income > 50K);
* shape and pair-trend scores (ganforge's report metrics) against the real training table;
* membership inference: by distance and by density ratio (DOMIAS), members = training rows, non-members
  = test-file rows (the same population, never trained on);
* the canary audit's epsilon lower bound (100 canaries), next to the accountant's spent epsilon;
* copied identifier values, fit time.

The baseline "marginals" samples each column independently from its DP one-way summary -- the same
summaries (:mod:`ganforge.privacy.preprocess`) the private GAN's transformer is fitted on, here with the
whole budget -- a few lines, and the method simple marginal-based generators are judged against.
smartnoise-synth's MST (a strong marginal method) runs in its own virtual environment (``--mst-python``;
it pins opacus 0.14, which must stay out of ganforge's), through ``benchmarks/privacy_mst.py``.

    python benchmarks/privacy.py --rows 3000 --epsilons 3,inf --seeds 0 --epochs 2   # a smoke test
    python benchmarks/privacy.py --device cuda                                       # the full benchmark
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import machine, write_result  # noqa: E402
from tabular_adult import load_adult  # noqa: E402

TARGET, POSITIVE = "income", ">50K"
ID = "customer_id"


def tstr(synthetic, test, seed: int) -> dict:
    """AUROC and F1 of gradient boosting trained on ``synthetic``, tested on the real ``test``."""
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import f1_score, roc_auc_score

    cols = [c for c in test.columns if c not in (TARGET, ID)]
    cats = [c for c in cols if not pd.api.types.is_numeric_dtype(test[c])]

    def encode(df):
        x = pd.DataFrame(index=df.index)
        for c in cols:
            if c in cats:
                x[c] = pd.Categorical(df[c].astype("string"), categories=sorted(test[c].dropna().unique()))
            else:
                x[c] = pd.to_numeric(df[c], errors="coerce")
        return x

    y_syn = (synthetic[TARGET].astype(str) == POSITIVE).to_numpy()
    y_test = (test[TARGET].astype(str) == POSITIVE).to_numpy()
    if y_syn.all() or not y_syn.any():
        return {"auroc": 0.5, "f1": 0.0}
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    model.fit(encode(synthetic), y_syn)
    p = model.predict_proba(encode(test))[:, 1]
    return {"auroc": float(roc_auc_score(y_test, p)), "f1": float(f1_score(y_test, p > 0.5))}


def marginals(train, kinds, epsilon: float, delta: float, seed: int):
    """DP independent marginals (``epsilon=inf``: the exact ones), as many rows as ``train``."""
    import numpy as np

    from ganforge.privacy.preprocess import private_summary

    if math.isinf(epsilon):
        rng = np.random.default_rng(seed)
        out = train.apply(lambda s: s.sample(len(train), replace=True, random_state=rng).to_numpy())
    else:
        out = private_summary(train, kinds, epsilon, delta, seed=seed, id_columns=[ID], rows=len(train)).surrogate
    out[ID] = [f"X{i:09d}" for i in range(len(out))]  # fresh keys, as ganforge's
    return out[train.columns]


def mst(train, epsilon: float, delta: float, seed: int, python: str):
    """smartnoise-synth's MST, run by the Python of its own virtual environment (benchmarks/privacy_mst.py)."""
    import subprocess
    import tempfile

    import pandas as pd

    data = train.drop(columns=[ID])
    cont = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    with tempfile.TemporaryDirectory(prefix="privacy_mst_") as tmp:
        src, dst = Path(tmp) / "train.csv", Path(tmp) / "out.csv"
        data.to_csv(src, index=False)
        subprocess.run([python, str(ROOT / "benchmarks" / "privacy_mst.py"), str(src), str(dst), "--epsilon",
                        str(epsilon), "--delta", str(delta), "--seed", str(seed), "--continuous", ",".join(cont)],
                       check=True, capture_output=True)
        out = pd.read_csv(dst)
    for c in cont:
        out[c] = pd.to_numeric(out[c], errors="coerce")
        if pd.api.types.is_integer_dtype(train[c]):
            out[c] = out[c].round().astype("Int64")
    out.insert(0, ID, [f"M{i:09d}" for i in range(len(out))])
    return out[train.columns]


def one_run(method: str, epsilon: float, seed: int, train, test, args) -> dict:
    import numpy as np

    from ganforge.metrics.tabular import tabular_pair_trends, tabular_shape
    from ganforge.privacy.accountant import default_delta
    from ganforge.privacy.attacks import density_attack, distance_attack
    from ganforge.privacy.audit import audit, epsilon_lower_bound
    from ganforge.privacy.preprocess import public_kinds
    from ganforge.tabular import TabularGAN

    kinds = public_kinds(train, {ID: "identifier"})
    delta = default_delta(len(train))
    private = not math.isinf(epsilon)
    info: dict = {}

    def fit_sample(table):
        t = time.perf_counter()
        if method == "ganforge":
            model = TabularGAN(epsilon=epsilon if private else None, epochs=args.epochs, seed=seed,
                               device=args.device, time_budget=args.time_budget, verbose=False)
            model.fit(table, column_kinds={ID: "identifier"})
            synthetic = model.sample(len(train), seed=seed)
            p = model.training_.get("privacy")
            info.update(spent_epsilon=p["spent_epsilon"] if p else math.inf, steps=model.training_["steps"],
                        sigma=p["noise_multiplier"] if p else None)
        elif method == "mst":
            synthetic = mst(table, epsilon, delta, seed, args.mst_python)
            info.update(spent_epsilon=epsilon)
        else:
            synthetic = marginals(table, kinds, epsilon, delta, seed)
            info.update(spent_epsilon=epsilon)
        info["fit_s"] = time.perf_counter() - t
        return synthetic

    res = audit(fit_sample, train, kinds, m=args.canaries, seed=seed)
    synthetic = res.pop("synthetic")
    lb = epsilon_lower_bound(res["guesses"], res["correct"], args.canaries, delta if private else 0.0)
    data_cols = [c for c in train.columns if c != ID]
    real, syn = train[data_cols], synthetic[data_cols]
    attack_kinds = {c: k for c, k in kinds.items()}
    return {
        "method": method, "epsilon": epsilon, "seed": seed, **info, **tstr(synthetic, test, seed),
        "shape": tabular_shape(real, syn)["shape"], "pair_trends": tabular_pair_trends(real, syn)["pair_trends"],
        "mia_distance_auc": distance_attack(train, test, synthetic, attack_kinds, max_rows=args.attack_rows,
                                            seed=seed)["auc"],
        "mia_density_auc": density_attack(train, test, synthetic, attack_kinds, max_rows=args.attack_rows,
                                          seed=seed)["auc"],
        "audit_lower_bound": lb, "audit_tpr": res["tpr"], "audit_fpr": res["fpr"],
        "id_copies": float(np.isin(synthetic[ID].astype(str), train[ID].astype(str)).mean()),
    }


COLUMNS = [("tstr AUROC", "auroc", "{:.3f}"), ("tstr F1", "f1", "{:.3f}"), ("shape", "shape", "{:.3f}"),
           ("pairs", "pair_trends", "{:.3f}"), ("MIA dist", "mia_distance_auc", "{:.3f}"),
           ("MIA DOMIAS", "mia_density_auc", "{:.3f}"), ("eps spent", "spent_epsilon", "{:.2f}"),
           ("audit eps >=", "audit_lower_bound", "{:.2f}"), ("ID copies", "id_copies", "{:.0%}"),
           ("fit s", "fit_s", "{:.0f}")]


def summarise(runs: list[dict]) -> list[dict]:
    groups: dict = {}
    for r in runs:
        groups.setdefault((r["method"], r["epsilon"]), []).append(r)
    out = []
    for (method, eps), rs in groups.items():
        row = {"method": method, "epsilon": eps, "seeds": len(rs)}
        for _, key, _ in COLUMNS:
            vals = [r[key] for r in rs]
            finite = all(math.isfinite(v) for v in vals)
            row[key] = statistics.mean(vals) if finite else (vals[0] if len(set(vals)) == 1 else math.nan)
            row[key + "_sd"] = statistics.stdev(vals) if finite and len(vals) > 1 else 0.0  # spent eps at inf: inf
        out.append(row)
    return out


def table(summary: list[dict]) -> str:
    head = "| method | epsilon | " + " | ".join(c for c, _, _ in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for row in summary:
        cells = []
        for _, key, fmt in COLUMNS:
            v = fmt.format(row[key])
            if row["seeds"] > 1 and key not in ("id_copies",) and math.isfinite(row[key]):
                v += " ± " + fmt.format(row[key + "_sd"]).rstrip("%")
            cells.append(v)
        lines.append(f"| {row['method']} | {row['epsilon']:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epsilons", default="1,3,10,inf")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--epochs", type=int, default=None, help="TabularGAN epochs (default: its own, 30 with epsilon)")
    p.add_argument("--time-budget", default=None, help="per fit, e.g. 5m (the private noise is calibrated for the "
                                                       "planned epochs; the budget may stop it earlier)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--rows", type=int, default=None, help="use this many training rows (a quick run)")
    p.add_argument("--canaries", type=int, default=100)
    p.add_argument("--attack-rows", type=int, default=2000)
    p.add_argument("--methods", default="ganforge,marginals,mst",
                   help="ganforge, marginals (DP independent marginals), mst (smartnoise-synth, needs --mst-python)")
    p.add_argument("--mst-python", default="/tmp/snvenv/bin/python",
                   help="the Python of a virtual environment holding smartnoise-synth (MST is skipped without it)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "privacy.json"))
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    epsilons = [math.inf if e.strip() == "inf" else float(e) for e in args.epsilons.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    train, test = load_adult("train"), load_adult("test")
    if args.rows:
        train = train.sample(args.rows, random_state=0).reset_index(drop=True)
    train.insert(0, ID, [f"C{i:07d}" for i in range(len(train))])
    test.insert(0, ID, [f"T{i:07d}" for i in range(len(test))])
    runs = []
    for eps in epsilons:
        for seed in seeds:
            for method in args.methods.split(","):
                if method == "mst" and (math.isinf(eps) or not Path(args.mst_python).exists()):
                    continue  # MST has no non-private mode; without its environment it is not run
                t = time.perf_counter()
                r = one_run(method, eps, seed, train, test, args)
                runs.append(r)
                write_result({"benchmark": "privacy", "partial": True, "machine": machine(), "args": vars(args),
                              "runs": runs}, args.out)  # a crash later loses no finished run
                print(f"{method} eps={eps:g} seed={seed}: AUROC {r['auroc']:.3f} pairs {r['pair_trends']:.3f} "
                      f"MIA {r['mia_distance_auc']:.3f}/{r['mia_density_auc']:.3f} audit>={r['audit_lower_bound']:.2f} "
                      f"spent {r['spent_epsilon']:.2f} ({time.perf_counter() - t:.0f} s)", flush=True)
    summary = summarise(runs)
    print(table(summary))
    write_result({"benchmark": "privacy", "machine": machine(), "args": vars(args), "rows": len(train),
                  "summary": summary, "runs": runs}, args.out)


if __name__ == "__main__":
    main()
