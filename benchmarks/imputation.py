"""GANImputer against the imputers a user would otherwise reach for, on data that works offline.

Data: scikit-learn's breast_cancer (the GAIN paper's "Breast"), digits, wine, diabetes (numbers), and
UCI Adult (numbers and categories, with its own ``?`` values; ``--adult-rows`` rows of adult.data).
Missingness: MCAR 20/50/80% and MAR (half of the columns lose values at 50% where column 0, always
observed, is above its median and at 10% elsewhere). Scores on the hidden entries only: RMSE of the
numbers min-max scaled (as in the paper), accuracy of the categories; a downstream AUROC (logistic
regression trained on 70% of the imputed table, scored on the rest; one-vs-rest for several classes,
diabetes' target split at its median); fit + transform seconds.

Methods: mean/mode, KNN (k=5), MICE (IterativeImputer + BayesianRidge), MissForest-like
(IterativeImputer + ExtraTrees, 50 trees, 5 rounds), GAIN with the original settings (reference code's
hint, alpha 100, 10,000 iterations, noise 0.01, one draw, hidden layers as wide as the encoded table, no
held-out entries, no linear path), and GANImputer's defaults. The baselines see
the table as numbers in [0, 1] plus one-hot categories (a category is the arg-max of its imputed block).

``--speed-rows N`` adds the speed comparison: an Adult-sized table (N rows of adult.data + adult.test,
48,842 at most), MCAR 20%, GANImputer against MissForest-like (those of ``--methods``; ``--datasets ''``
runs it alone).

    flock /work/wt/heavy.lock python benchmarks/imputation.py --seeds 5            # everything (long)
    python benchmarks/imputation.py --datasets wine --settings mcar20 --seeds 1 --methods mean,knn,ganimputer
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see benchmarks/tabular_adult.py: shared machines

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, write_result  # noqa: E402
from tabular_adult import ADULT_COLUMNS, load_adult  # noqa: E402

DATASETS = ("breast_cancer", "digits", "wine", "diabetes", "adult")
SETTINGS = ("mcar20", "mcar50", "mcar80", "mar")
METHODS = ("mean", "knn", "mice", "missforest", "gain_original", "ganimputer")
ADULT_CATEGORIES = ["workclass", "education", "marital-status", "occupation", "relationship", "race", "sex",
                    "native-country"]


def load(name: str, adult_rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``(table, binary-or-class target)``; numbers as float64, Adult's categories as text."""
    from sklearn import datasets

    if name == "adult":
        df = load_adult("train")
        df = df.sample(n=min(adult_rows, len(df)), random_state=seed).reset_index(drop=True)
        y = (df.pop("income") == ">50K").to_numpy(int)
        return df, y
    loader = {"breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits,
              "wine": datasets.load_wine, "diabetes": datasets.load_diabetes}[name]
    X, y = loader(return_X_y=True)
    if name == "diabetes":
        y = (y > np.median(y)).astype(int)
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]), y


def hide(df: pd.DataFrame, setting: str, seed: int) -> np.ndarray:
    """``(n, columns)`` bool: the entries to hide (already missing ones are not counted)."""
    rng = np.random.default_rng(seed)
    n, p = df.shape
    if setting.startswith("mcar"):
        mask = rng.random((n, p)) < int(setting[4:]) / 100
    else:  # MAR: driven by column 0, which stays observed
        driver = pd.to_numeric(df.iloc[:, 0], errors="coerce").to_numpy()
        high = driver > np.nanmedian(driver)
        cols = rng.choice(np.arange(1, p), size=max(1, (p - 1) // 2), replace=False)
        mask = np.zeros((n, p), dtype=bool)
        mask[:, cols] = rng.random((n, len(cols))) < np.where(high, 0.5, 0.1)[:, None]
    mask[:, 0] &= setting != "mar"
    mask &= ~df.isna().to_numpy()
    full = (mask | df.isna().to_numpy()).all(axis=1)  # keep one entry per row (an empty row teaches nothing)
    mask[full, rng.integers(0, p, full.sum())] = False
    return mask


class Matrix:
    """The baselines' view of a table: numbers scaled to [0, 1] by the complete data, categories one-hot."""

    def __init__(self, df: pd.DataFrame):
        self.numeric = [c for c in df.columns if c not in ADULT_CATEGORIES]
        self.categorical = [c for c in df.columns if c in ADULT_CATEGORIES]
        self.lo = df[self.numeric].min().to_numpy(float)
        self.span = (df[self.numeric].max().to_numpy(float) - self.lo)
        self.span[self.span == 0] = 1
        self.levels = {c: sorted(df[c].dropna().unique()) for c in self.categorical}
        self.width = len(self.numeric) + sum(map(len, self.levels.values()))  # the encoded width

    def encode(self, df: pd.DataFrame) -> np.ndarray:
        parts = [(df[self.numeric].to_numpy(float) - self.lo) / self.span]
        for c in self.categorical:
            onehot = (df[c].to_numpy(object)[:, None] == np.array(self.levels[c], dtype=object)).astype(float)
            onehot[df[c].isna().to_numpy()] = np.nan
            parts.append(onehot)
        return np.hstack(parts)

    def decode(self, X: np.ndarray, like: pd.DataFrame) -> pd.DataFrame:
        out = like.copy()
        k = len(self.numeric)
        out[self.numeric] = X[:, :k] * self.span + self.lo
        for c in self.categorical:
            block = X[:, k:k + len(self.levels[c])]
            out[c] = np.array(self.levels[c], dtype=object)[block.argmax(axis=1)]
            k += len(self.levels[c])
        return out


def make(method: str, jobs: int, device: str, seed: int, width: int):
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
    from sklearn.linear_model import BayesianRidge

    from ganforge.impute import GANImputer

    if method == "mean":
        return SimpleImputer()
    if method == "knn":
        return KNNImputer(n_neighbors=5)
    if method == "mice":
        return IterativeImputer(BayesianRidge(), max_iter=10, random_state=seed)
    if method == "missforest":
        return IterativeImputer(ExtraTreesRegressor(n_estimators=50, n_jobs=jobs, random_state=seed), max_iter=5,
                                random_state=seed)
    if method == "gain_original":
        return GANImputer(hint="code", hint_rate=0.9, alpha=100, n_iter=10000, time_limit=None, batch_size=128,
                          noise=0.01, drop_rate=0.0, point_draws=1, validation_fraction=0, linear=False,
                          hidden=width,
                          device=device, random_state=seed)
    return GANImputer(device=device, random_state=seed)


def impute(method: str, df: pd.DataFrame, matrix: Matrix, jobs: int, device: str, seed: int) -> pd.DataFrame:
    import warnings

    est = make(method, jobs, device, seed, width=matrix.width)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IterativeImputer's convergence warnings
        if method in ("gain_original", "ganimputer"):
            if matrix.categorical:
                return est.fit_transform(df)
            # the baselines' view: every column a number (a DataFrame of whole numbers with few values, as
            # digits' border pixels, would be read as categories; an array of numbers is all numbers)
            return pd.DataFrame(est.fit_transform(df.to_numpy(float)), columns=df.columns, index=df.index)
        decoded = matrix.decode(est.fit_transform(matrix.encode(df)), df)
        return df.where(df.notna(), decoded)  # the baselines' observed values back exactly (scaling round trip)


def auroc(matrix: Matrix, filled: pd.DataFrame, y: np.ndarray, seed: int) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    X = np.nan_to_num(matrix.encode(filled))  # Adult's own ? values that no method saw as hidden stay 0
    a, b, ya, yb = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    p = LogisticRegression(max_iter=2000).fit(a, ya).predict_proba(b)
    return float(roc_auc_score(yb, p[:, 1]) if p.shape[1] == 2 else roc_auc_score(yb, p, multi_class="ovr"))


def score(truth: pd.DataFrame, filled: pd.DataFrame, mask: np.ndarray, matrix: Matrix) -> dict:
    num = [truth.columns.get_loc(c) for c in matrix.numeric]
    err = ((filled.iloc[:, num].to_numpy(float) - truth.iloc[:, num].to_numpy(float)) / matrix.span)[mask[:, num]]
    result = {"rmse": float(np.sqrt(np.mean(err ** 2))) if err.size else None}
    cat = [truth.columns.get_loc(c) for c in matrix.categorical]
    if cat:
        hit = filled.iloc[:, cat].to_numpy(object) == truth.iloc[:, cat].to_numpy(object)
        result["cat_acc"] = float(hit[mask[:, cat]].mean())
    return result


def run_one(dataset, setting, seed, methods, args) -> list[dict]:
    df, y = load(dataset, args.adult_rows, seed)
    matrix = Matrix(df)
    mask = hide(df, setting, seed)
    holed = df.mask(mask)
    rows = []
    for method in methods:
        start = time.perf_counter()
        filled = impute(method, holed, matrix, args.jobs, args.device, seed)
        seconds = time.perf_counter() - start
        observed = ~holed.isna().to_numpy()
        assert (filled.to_numpy(object)[observed] == holed.to_numpy(object)[observed]).all(), method
        row = {"dataset": dataset, "setting": setting, "seed": seed, "method": method, "seconds": seconds,
               **score(df, filled, mask, matrix), "auroc": auroc(matrix, filled, y, seed)}
        rows.append(row)
        print("  ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    return rows


def speed(rows_wanted: int, args) -> dict:
    """GANImputer against MissForest-like on an Adult-sized table (adult.data + adult.test, 48,842 rows
    at most: no row is drawn twice, a copy would hand the baselines its twin), MCAR 20%."""
    df = pd.concat([load_adult("train"), load_adult("test")], ignore_index=True).drop(columns="income")
    df = df.sample(n=min(rows_wanted, len(df)), random_state=0).reset_index(drop=True)
    matrix = Matrix(df)
    mask = hide(df, "mcar20", 0)
    holed = df.mask(mask)
    out = {}
    for method in [m for m in ("ganimputer", "missforest") if m in args.methods.split(",")]:
        start = time.perf_counter()
        filled = impute(method, holed, matrix, args.jobs, args.device, 0)
        out[method] = {"rows": len(df), "seconds": time.perf_counter() - start, **score(df, filled, mask, matrix)}
        print(method, out[method], flush=True)
    if {"ganimputer", "missforest"} <= set(out):
        gan, forest = out["ganimputer"], out["missforest"]
        out["speedup"] = forest["seconds"] / gan["seconds"]
        out["rmse_equal_or_better"] = gan["rmse"] <= forest["rmse"]
    return out


def summary(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    table = frame.groupby(["dataset", "setting", "method"], sort=False)[["rmse", "auroc", "seconds"]].mean()
    if "cat_acc" in frame:
        table["cat_acc"] = frame.groupby(["dataset", "setting", "method"], sort=False)["cat_acc"].mean()
    return table.unstack("method")


def targets(rows: list[dict]) -> dict:
    frame = pd.DataFrame(rows).groupby(["dataset", "setting", "method"])["rmse"].mean().unstack("method")
    result = {}
    if {"ganimputer", "knn"} <= set(frame):
        result["rmse_below_knn_everywhere"] = bool((frame["ganimputer"] < frame["knn"]).all())
        result["cases_not_below_knn"] = [list(i) for i in frame.index[frame["ganimputer"] >= frame["knn"]]]
    if {"ganimputer", "mice", "missforest"} <= set(frame):
        best = frame[["mice", "missforest"]].min(axis=1)
        result["ratio_to_best_of_mice_missforest"] = float((frame["ganimputer"] / best).mean())
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--settings", default=",".join(SETTINGS))
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    p.add_argument("--jobs", type=int, default=2, help="worker threads of the tree baselines")
    p.add_argument("--device", default="cpu")
    p.add_argument("--adult-rows", type=int, default=5000)
    p.add_argument("--speed-rows", type=int, default=0, help="run the speed comparison at this many rows (50000)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "imputation.json"))
    args = p.parse_args(argv)
    methods = args.methods.split(",")
    rows = []
    for dataset in filter(None, args.datasets.split(",")):
        for setting in args.settings.split(","):
            for seed in range(args.seeds):
                rows += run_one(dataset, setting, seed, methods, args)
    if rows:
        with pd.option_context("display.width", 250, "display.max_columns", 50, "display.precision", 4):
            print(summary(rows))
    result = {"benchmark": "imputation", "machine": machine(), "args": vars(args), "rows": rows,
              "targets": targets(rows) if rows else {}}
    if args.speed_rows:
        result["speed"] = speed(args.speed_rows, args)
    print(result["targets"])
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
