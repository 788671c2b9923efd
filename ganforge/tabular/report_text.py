"""The tabular report as plain-text tables: :func:`format_report`, :func:`print_report`."""

from __future__ import annotations

import math
from typing import Mapping


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _table(rows: list[tuple], header: tuple) -> list[str]:
    rows = [tuple(map(str, header))] + [tuple(map(str, r)) for r in rows]
    widths = [max(len(r[j]) for r in rows) for j in range(len(header))]
    lines = ["  ".join(v.ljust(widths[j]) if j == 0 else v.rjust(widths[j]) for j, v in enumerate(r)).rstrip()
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return lines


def format_report(result: Mapping) -> str:
    """The report as plain-text tables."""
    fid = result["fidelity"]
    n = result["n_rows"]
    out = ["tabular report: " + ", ".join(f"{k} {v:,} rows" for k, v in n.items()), ""]
    summary = [
        ("shape score (mean 1-KS / 1-TVD)", _f(fid["shape"]["mean"]), "1 = identical marginals"),
        ("pair trends (mean)", _f(fid["pair_trends"]["mean"]), "1 = identical pairwise relations"),
    ]
    if "independent" in fid["pair_trends"]:
        summary.append(("pair trends, real columns shuffled", _f(fid["pair_trends"]["independent"]),
                        "no relation kept: the synthetic table should beat it"))
    if "detection" in fid:
        summary.append((f"detection AUC ({fid['detection']['model']}, {fid['detection']['folds']}-fold)",
                        _f(fid["detection"]["auc"]), "0.5 = indistinguishable"))
    util = result.get("utility")
    if util:
        eff = util["ml_efficacy"]
        errors = {e["error"] for m in util["models"].values() for e in [m.get("synthetic") or {}] if "error" in e}
        why = f" (synthetic table: {'; '.join(sorted(errors))})" if _f(eff["synthetic"]) == "-" and errors else ""
        summary.append((f"ML efficacy ({eff['metric']}, target {util['target']!r}): synthetic",
                        _f(eff["synthetic"]) + why, f"real {_f(eff['real'])}"))
    priv = result.get("privacy")
    if priv:
        dcr = priv["dcr"]
        summary += [
            ("DCR median: synthetic->train", _f(dcr["synthetic_to_train"]["median"]),
             f"holdout->train {_f(dcr['holdout_to_train']['median'])}"),
            ("DCR 5th percentile: synthetic->train", _f(dcr["synthetic_to_train"]["p5"]),
             f"holdout->train {_f(dcr['holdout_to_train']['p5'])}"),
            ("exact copies of training rows: synthetic", f"{priv['exact_copies']['synthetic']:.2%}",
             f"holdout {priv['exact_copies']['holdout']:.2%}"),
            ("membership-inference AUC", _f(priv["membership_auc"]), "0.5 = no leakage"),
        ]
    for col, share in (result.get("identifiers") or {}).items():
        summary.append((f"identifier {col!r}: synthetic values that are real ones", f"{share:.2%}",
                        "0% = fresh keys (not compared as data)"))
    out += _table(summary, ("figure", "value", "reference"))
    from .verdicts import verdicts

    out += [""] + [f"{v.level.upper():<5} {v}" for v in verdicts(result).values()] + [""]
    rows = []
    for col, v in fid["shape"]["per_column"].items():
        miss = "" if not (v["missing_real"] or v["missing_synthetic"]) else (
            f"{v['missing_real']:.1%} / {v['missing_synthetic']:.1%}")
        rows.append((col, v["kind"], v["metric"], _f(v["statistic"]), _f(v["score"]), miss))
    out += _table(rows, ("column", "kind", "metric", "statistic", "score", "missing real/syn"))
    worst = sorted((p for p in fid["pair_trends"]["pairs"] if not math.isnan(p["score"])), key=lambda p: p["score"])
    if worst:
        out.append("")
        out += _table([(" ~ ".join(p["columns"]), p["metric"], _f(p["score"])) for p in worst[:5]],
                      ("weakest pairs", "metric", "score"))
    if util:
        out.append("")
        metrics = ["r2"] if util["task"] == "regression" else ["accuracy", "f1", "auroc"]
        rows = []
        for name, s in util["models"].items():
            row = [name]
            for trained_on in ("real", "synthetic"):
                row += [_f(s[trained_on].get(m)) for m in metrics]
            rows.append(tuple(row))
        header = ("model",) + tuple(f"{m} ({t})" for t in ("real", "syn") for m in metrics)
        out += _table(rows, header)
        if "test_rows" in util:
            out.append(f"(tested on {util['test_rows']})")
    out.append(f"\n{result.get('seconds', 0):.1f} s")
    return "\n".join(out)


def print_report(result: Mapping) -> None:
    """Print :func:`format_report`."""
    print(format_report(result))
