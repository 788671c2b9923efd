"""The tabular report as one self-contained HTML page.

Plots are inline SVG drawn here (no plotting library, no external files or scripts): per
column the real and synthetic distributions (histograms for numeric columns, bars of the
most frequent categories for discrete ones), and a heat map of the pair-trend gap
``1 - score`` of every pair of columns (for two numeric columns ``|rho_real - rho_syn| / 2``,
otherwise the TVD of the joint distribution).
"""

from __future__ import annotations

import html
import math
from typing import Mapping

import numpy as np
import pandas as pd

from .report_data import _MISSING, NUMERIC_KINDS, _keys, _numeric_values
from .report_writers import _f

__all__ = ["render_html"]

REAL, SYN = "#7f8c9a", "#d62728"
W, H, PAD = 340, 170, 28

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f6f6f6}
.grid{display:flex;flex-wrap:wrap;gap:14px}.plot{border:1px solid #eee;padding:6px}
.plot h3{font-size:13px;margin:0 0 4px 0;font-weight:600}.muted{color:#777;font-size:12px}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
"""


def _esc(v) -> str:
    return html.escape(str(v))


def _table(header, rows) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _svg_bars(labels: list[str], real: np.ndarray, syn: np.ndarray, title: str, numeric: bool) -> str:
    """Side-by-side bars (discrete) or overlaid histogram (numeric) of two frequency vectors."""
    n = len(labels)
    top = max(float(real.max(initial=0)), float(syn.max(initial=0))) or 1.0
    pw, ph = W - 2 * PAD, H - 2 * PAD
    bw = pw / max(n, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" '
             f'aria-label="{_esc(title)}">', f'<rect width="{W}" height="{H}" fill="white"/>']
    for i in range(n):
        x0 = PAD + i * bw
        hr, hs = real[i] / top * ph, syn[i] / top * ph
        if numeric:
            parts.append(f'<rect x="{x0:.1f}" y="{PAD + ph - hr:.1f}" width="{bw:.1f}" height="{hr:.1f}" '
                         f'fill="{REAL}" fill-opacity="0.55"/>')
            parts.append(f'<rect x="{x0:.1f}" y="{PAD + ph - hs:.1f}" width="{bw:.1f}" height="{hs:.1f}" '
                         f'fill="none" stroke="{SYN}" stroke-width="1.2"/>')
        else:
            w = bw * 0.42
            parts.append(f'<rect x="{x0 + bw * 0.08:.1f}" y="{PAD + ph - hr:.1f}" width="{w:.1f}" '
                         f'height="{hr:.1f}" fill="{REAL}"><title>{_esc(labels[i])}: real {real[i]:.3f}</title></rect>')
            parts.append(f'<rect x="{x0 + bw * 0.5:.1f}" y="{PAD + ph - hs:.1f}" width="{w:.1f}" '
                         f'height="{hs:.1f}" fill="{SYN}"><title>{_esc(labels[i])}: synthetic {syn[i]:.3f}'
                         '</title></rect>')
    parts.append(f'<line x1="{PAD}" y1="{PAD + ph}" x2="{PAD + pw}" y2="{PAD + ph}" stroke="#444"/>')
    if numeric:
        parts.append(f'<text x="{PAD}" y="{H - 8}" font-size="10">{_esc(labels[0])}</text>')
        parts.append(f'<text x="{PAD + pw}" y="{H - 8}" font-size="10" text-anchor="end">{_esc(labels[-1])}</text>')
    else:
        step = max(1, math.ceil(n / 8))
        for i in range(0, n, step):
            text = labels[i] if len(labels[i]) <= 10 else labels[i][:9] + "…"
            parts.append(f'<text x="{PAD + (i + 0.5) * bw:.1f}" y="{H - 8}" font-size="9" '
                         f'text-anchor="middle">{_esc(text)}</text>')
    parts.append(f'<text x="{PAD}" y="{PAD - 8}" font-size="10" fill="#555">max {top:.3g}</text></svg>')
    return "".join(parts)


def _column_plot(name: str, kind: str, real: pd.Series, syn: pd.Series, score) -> str:
    if kind in NUMERIC_KINDS:
        r, s = _numeric_values(real, kind), _numeric_values(syn, kind)
        r, s = r[~np.isnan(r)], s[~np.isnan(s)]
        if len(r) == 0:
            return ""
        lo, hi = float(r.min()), float(r.max())
        if hi <= lo:
            hi = lo + 1.0
        edges = np.linspace(lo, hi, 41)
        hr = np.histogram(np.clip(r, lo, hi), edges)[0] / max(len(r), 1)
        hs = np.histogram(np.clip(s, lo, hi), edges)[0] / max(len(s), 1)
        if kind == "datetime":
            labels = [str(pd.Timestamp(int(v)).date()) for v in (lo, hi)]
        else:
            labels = [f"{lo:.4g}", f"{hi:.4g}"]
        svg = _svg_bars(labels, hr, hs, name, numeric=True)
    else:
        keys = np.concatenate([_keys(real), _keys(syn)])
        codes, uniques = pd.factorize(keys)
        cr, cs = codes[:len(real)], codes[len(real):]
        fr = np.bincount(cr, minlength=len(uniques)) / len(cr)
        fs = np.bincount(cs, minlength=len(uniques)) / max(len(cs), 1)
        order = np.argsort(-(fr + 1e-9 * fs), kind="stable")
        top, rest = order[:15], order[15:]
        labels = [_label(uniques[j]) for j in top]
        fr_t, fs_t = fr[top], fs[top]
        if len(rest):
            labels.append("(other)")
            fr_t, fs_t = np.r_[fr_t, fr[rest].sum()], np.r_[fs_t, fs[rest].sum()]
        svg = _svg_bars(labels, fr_t, fs_t, name, numeric=False)
    return (f'<div class="plot"><h3>{_esc(name)} <span class="muted">{_esc(kind)}, score {_f(score)}</span></h3>'
            f"{svg}</div>")


def _label(key: str) -> str:
    if key == _MISSING:
        return "(missing)"
    try:
        v = float(key)
        return str(int(v)) if v.is_integer() else key
    except ValueError:
        return key


def _heatmap(result: Mapping) -> str:
    names = list(result["columns"])
    n = len(names)
    gap = np.full((n, n), np.nan)
    index = {c: i for i, c in enumerate(names)}
    for p in result["fidelity"]["pair_trends"]["pairs"]:
        i, j = index[p["columns"][0]], index[p["columns"][1]]
        score = p["score"]
        if score is None or (isinstance(score, float) and math.isnan(score)):
            continue
        gap[i, j] = gap[j, i] = 1.0 - score
    cell = max(14, min(28, 560 // max(n, 1)))
    left = 8 + 7 * max((len(c) for c in names), default=4)
    size_w, size_h = left + n * cell + 120, left + n * cell + 10
    top_gap = max(0.1, float(np.nanmax(gap)) if np.isfinite(gap).any() else 0.1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_w}" height="{size_h}" role="img" '
             'aria-label="pair-trend gap heat map">', f'<rect width="{size_w}" height="{size_h}" fill="white"/>']
    for i, c in enumerate(names):
        y = left + i * cell
        parts.append(f'<text x="{left - 4}" y="{y + cell * 0.7:.1f}" font-size="11" text-anchor="end">{_esc(c)}</text>')
        parts.append(f'<text x="0" y="0" font-size="11" transform="translate({left + i * cell + cell * 0.7:.1f},'
                     f'{left - 4}) rotate(-60)">{_esc(c)}</text>')
        for j in range(n):
            v = gap[i, j]
            if i == j or math.isnan(v):
                fill = "#f2f2f2"
            else:
                t = min(1.0, v / top_gap)
                fill = f"rgb(255,{int(255 * (1 - t))},{int(255 * (1 - t))})"
            tip = "" if i == j or math.isnan(v) else f"<title>{_esc(c)} ~ {_esc(names[j])}: gap {v:.3f}</title>"
            parts.append(f'<rect x="{left + j * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                         f'fill="{fill}">{tip}</rect>')
    lx = left + n * cell + 20
    for k in range(11):
        t = k / 10
        parts.append(f'<rect x="{lx}" y="{left + (10 - k) * 12}" width="16" height="12" '
                     f'fill="rgb(255,{int(255 * (1 - t))},{int(255 * (1 - t))})"/>')
    parts.append(f'<text x="{lx + 22}" y="{left + 10}" font-size="10">{top_gap:.2f}</text>')
    parts.append(f'<text x="{lx + 22}" y="{left + 130}" font-size="10">0</text></svg>')
    return "".join(parts)


def render_html(result: Mapping, real: pd.DataFrame, synthetic: pd.DataFrame) -> str:
    """The report page: summary, per-column scores and plots, the pair-trend heat map, utility, privacy."""
    from .report_writers import format_report

    fid = result["fidelity"]
    real = real.rename(columns=str)
    synthetic = synthetic.rename(columns=str)
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>ganforge tabular report</title>",
           f"<style>{_CSS}</style></head><body><h1>Synthetic data report</h1>"]
    out.append("<p class='muted'>" + _esc(", ".join(f"{k}: {v:,} rows" for k, v in result["n_rows"].items()))
               + "</p>")
    rows = [("shape score (mean of 1-KS / 1-TVD)", _f(fid["shape"]["mean"])),
            ("pair trends (mean)", _f(fid["pair_trends"]["mean"]))]
    if "detection" in fid:
        det = fid["detection"]
        rows.append((f"detection AUC ({det['model']}, {det['folds']}-fold; 0.5 = indistinguishable)",
                     _f(det["auc"])))
    util, priv = result.get("utility"), result.get("privacy")
    if util:
        eff = util["ml_efficacy"]
        rows.append((f"ML efficacy, mean {eff['metric']} for {util['target']!r}: synthetic / real",
                     f"{_f(eff['synthetic'])} / {_f(eff['real'])}"))
    if priv:
        rows.append(("membership-inference AUC (0.5 = no leakage)", _f(priv["membership_auc"])))
        rows.append(("exact copies of training rows: synthetic / holdout",
                     f"{priv['exact_copies']['synthetic']:.2%} / {priv['exact_copies']['holdout']:.2%}"))
    out.append("<h2>Summary</h2>" + _table(("figure", "value"), rows))

    out.append("<h2>Columns</h2><p class='legend'>real<span style='background:" + REAL + "'></span>"
               "synthetic<span style='background:" + SYN + "'></span></p><div class='grid'>")
    per = fid["shape"]["per_column"]
    for name, kind in result["columns"].items():
        if name in real.columns and name in synthetic.columns:
            out.append(_column_plot(name, kind, real[name], synthetic[name], per[name]["score"]))
    out.append("</div>")
    out.append(_table(("column", "kind", "metric", "statistic", "score", "missing real", "missing synthetic"),
                      [(c, v["kind"], v["metric"], _f(v["statistic"]), _f(v["score"]),
                        f"{v['missing_real']:.1%}", f"{v['missing_synthetic']:.1%}") for c, v in per.items()]))

    out.append("<h2>Pair trends</h2><p class='muted'>Gap = 1 - pair-trend score: |&rho;<sub>real</sub> - "
               "&rho;<sub>syn</sub>| / 2 for two numeric columns, total variation distance of the joint "
               "frequencies otherwise (numeric columns cut at the real deciles). White = the same.</p>")
    out.append(_heatmap(result))

    if util:
        metrics = ["r2"] if util["task"] == "regression" else ["accuracy", "f1", "auroc"]
        header = ("model",) + tuple(f"{m} ({t})" for t in ("trained on real", "trained on synthetic") for m in metrics)
        rows = [tuple([name] + [_f(s[t].get(m)) for t in ("real", "synthetic") for m in metrics])
                for name, s in util["models"].items()]
        out.append(f"<h2>Utility: predicting {_esc(util['target'])!s}</h2>")
        extra = f", positive class {util['positive_class']!r}" if "positive_class" in util else ""
        out.append(f"<p class='muted'>{_esc(util['task'])}{_esc(extra)}; tested on "
                   f"{_esc(util.get('test_rows', 'the holdout'))} ({util['n_test']:,} rows)</p>")
        out.append(_table(header, rows))
    if priv:
        dcr = priv["dcr"]
        out.append("<h2>Privacy</h2><p class='muted'>Distances on standardised numeric and one-hot features. "
                   "Synthetic rows should be no closer to the training rows than unseen (holdout) rows are.</p>")
        out.append(_table(("distance to closest training record", "5th percentile", "median", "rows"), [
            ("synthetic", _f(dcr["synthetic_to_train"]["p5"]), _f(dcr["synthetic_to_train"]["median"]),
             dcr["synthetic_to_train"]["n"]),
            ("holdout (reference)", _f(dcr["holdout_to_train"]["p5"]), _f(dcr["holdout_to_train"]["median"]),
             dcr["holdout_to_train"]["n"])]))
    out.append("<h2>As text</h2><pre>" + _esc(format_report(result)) + "</pre></body></html>")
    return "\n".join(out)
