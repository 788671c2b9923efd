"""The tabular report as HTML: one self-contained page, or a fragment for a notebook.

Plots are inline SVG drawn here (no plotting library, no external files or scripts): per
column the real and synthetic distributions (a histogram for numeric columns: real bars, a
synthetic step line; paired bars of the most frequent categories for discrete ones, the rest
in one "other" bar whose tooltip lists them), and a heat map of the pair-trend gap
``1 - score`` of every pair of columns, with its numbers. Each section opens with its verdict
(:mod:`ganforge.tabular.verdicts`); the page says what it was made from (provenance).
"""

from __future__ import annotations

import html
import math
from typing import Mapping

import numpy as np
import pandas as pd

from ganforge.metrics.tabular.prepare import _MISSING, NUMERIC_KINDS, _keys, _numeric_values

from .report_text import _f, format_report
from .verdicts import Verdict, verdicts

__all__ = ["render_html", "histogram", "category_frequencies"]

REAL, SYN = "#7f8c9a", "#d62728"
LEVEL_COLOURS = {"good": "#2ca02c", "fair": "#e6a100", "poor": "#d62728"}
W = 340  # width of a column plot
BINS, TOP_K = 40, 12  # histogram bins; categories drawn one by one
FONT = 9  # axis label size in px; a character is about 0.6 FONT wide
ANGLE = 45  # rotation of category labels that do not fit side by side
CUT = 13  # rotated labels longer than this are cut (the tooltip has the full name)

_CSS = """
.gfr{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#222;max-width:1200px}
.gfr h1{font-size:22px}.gfr h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
.gfr table{border-collapse:collapse;margin:8px 0}.gfr td,.gfr th{padding:3px 10px;border-bottom:1px solid #eee;
text-align:right}.gfr td:first-child,.gfr th:first-child{text-align:left}.gfr th{background:#f6f6f6}
.gfr .grid{display:flex;flex-wrap:wrap;gap:14px}.gfr .plot{border:1px solid #eee;padding:6px}
.gfr .plot h3{font-size:13px;margin:0 0 4px 0;font-weight:600}.gfr .muted{color:#777;font-size:12px}
.gfr .legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
.gfr .verdict{margin:6px 0;padding:4px 10px;border-left:5px solid;background:#fafafa}
.gfr .verdict b{text-transform:uppercase;font-size:11px;margin-right:6px}
.gfr table.prov td{text-align:left;font-size:12px;padding:1px 10px}.gfr pre{overflow-x:auto}
"""


def _esc(v) -> str:
    return html.escape(str(v))


def _table(header, rows, cls: str = "") -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header) if header else ""
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table class='{cls}'>" + (f"<tr>{head}</tr>" if head else "") + body + "</table>"


def _pct(v: float) -> str:
    return f"{v:.1%}" if v >= 0.001 or v == 0 else f"{v:.2%}"


# ----------------------------------------------------------------------------- what is drawn


def histogram(real: np.ndarray, synthetic: np.ndarray, kind: str, bins: int = BINS):
    """Bin edges over the real range and the share of each table's non-missing values in each bin.

    Integer columns get bins of a whole number of values (one value each where at most ``bins``
    values span the range), so that no bin holds more values than its neighbours. Synthetic values
    outside the real range are not drawn; their share is returned as the fourth value.
    """
    r, s = real[~np.isnan(real)], synthetic[~np.isnan(synthetic)]
    lo, hi = float(r.min()), float(r.max())
    if kind == "integer":
        width = max(1, math.ceil((hi - lo + 1) / bins))
        edges = lo - 0.5 + width * np.arange(math.ceil((hi - lo + 1) / width) + 1)
    else:
        edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    fr = np.histogram(r, edges)[0] / len(r)
    inside = (s >= edges[0]) & (s <= edges[-1])
    fs = np.histogram(s[inside], edges)[0] / max(len(s), 1)
    return edges, fr, fs, float(1 - inside.mean()) if len(s) else 0.0


def category_frequencies(real: pd.Series, synthetic: pd.Series, k: int = TOP_K):
    """The ``k`` categories most frequent in the real data as (label, real share, synthetic share),
    and the rest (largest first) as a second list; missing values count as the category "(missing)"."""
    keys = np.concatenate([_keys(real), _keys(synthetic)])
    codes, uniques = pd.factorize(keys)
    fr = np.bincount(codes[:len(real)], minlength=len(uniques)) / max(len(real), 1)
    fs = np.bincount(codes[len(real):], minlength=len(uniques)) / max(len(synthetic), 1)
    order = np.argsort(-(fr + 1e-9 * fs), kind="stable")
    rows = [(_label(uniques[j]), float(fr[j]), float(fs[j])) for j in order]
    return rows[:k], rows[k:]


def _label(key: str) -> str:
    if key == _MISSING:
        return "(missing)"
    try:
        v = float(key)
        return str(int(v)) if v.is_integer() else key
    except ValueError:
        return key


# ----------------------------------------------------------------------------- column plots


def _frame(h: int, title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" role="img" aria-label="{_esc(title)}">',
            f'<rect width="{W}" height="{h}" fill="white"/>']


def _y_axis(parts: list[str], left: float, top: float, ph: float, peak: float) -> None:
    """Share-of-rows ticks (0, half, peak) on the left of a plot area."""
    for frac in (0.0, 0.5, 1.0):
        y = top + ph * (1 - frac)
        parts.append(f'<line x1="{left - 3}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#444"/>')
        parts.append(f'<text x="{left - 5}" y="{y + 3:.1f}" font-size="{FONT}" text-anchor="end">'
                     f'{_pct(peak * frac)}</text>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#444"/>')


def _tick(v: float, kind: str) -> str:
    if kind == "datetime":
        return str(pd.Timestamp(int(v)).date())
    return f"{v:,.0f}" if 1e4 <= abs(v) < 1e12 else f"{v:.4g}"


def _svg_histogram(name: str, kind: str, edges: np.ndarray, fr: np.ndarray, fs: np.ndarray) -> str:
    """Real shares as grey bars (one ``<rect class="real">`` per bin), synthetic as a red step line."""
    h, left, top, bottom = 170, 44, 10, 34
    pw, ph = W - left - 10, h - top - bottom
    peak = max(float(fr.max(initial=0)), float(fs.max(initial=0))) or 1.0
    bw = pw / len(fr)
    parts = _frame(h, name)
    step = []
    for i, (a, b) in enumerate(zip(fr, fs)):
        x0 = left + i * bw
        hr = a / peak * ph
        tip = f"[{_tick(edges[i], kind)}, {_tick(edges[i + 1], kind)}): real {_pct(a)}, synthetic {_pct(b)}"
        parts.append(f'<rect class="real" x="{x0:.2f}" y="{top + ph - hr:.2f}" width="{bw:.2f}" height="{hr:.2f}" '
                     f'fill="{REAL}" fill-opacity="0.6"><title>{_esc(tip)}</title></rect>')
        y = top + ph - b / peak * ph
        step += [f"{x0:.2f},{y:.2f}", f"{x0 + bw:.2f},{y:.2f}"]
    parts.append(f'<polyline class="syn" points="{" ".join(step)}" fill="none" stroke="{SYN}" stroke-width="1.4"/>')
    parts.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#444"/>')
    _y_axis(parts, left, top, ph, peak)
    for frac, anchor in ((0.0, "start"), (0.5, "middle"), (1.0, "end")):
        v = edges[0] + frac * (edges[-1] - edges[0])
        if kind == "integer":  # label the values at the ends, not the bin edges half a value beyond them
            v = round(v + (0.5 if frac == 0 else -0.5 if frac == 1 else 0))
        x = left + frac * pw
        parts.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 3}" stroke="#444"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + ph + 14}" font-size="{FONT}" text-anchor="{anchor}">'
                     f'{_esc(_tick(v, kind))}</text>')
    parts.append(f'<text x="{left + pw / 2:.1f}" y="{h - 4}" font-size="{FONT}" text-anchor="middle" fill="#555">'
                 f'{_esc(name)}</text></svg>')
    return "".join(parts)


def _svg_categories(name: str, top: list[tuple], rest: list[tuple]) -> str:
    """Paired bars (``<rect class="real">`` and ``<rect class="syn">``) per category, labels that never
    overlap: side by side when they fit, else rotated by ``ANGLE`` degrees and cut to ``CUT`` characters."""
    bars = list(top)
    if rest:
        bars.append((f"other ({len(rest)})", sum(r[1] for r in rest), sum(r[2] for r in rest)))
    left, pw = 44, W - 44 - 10
    bw = pw / len(bars)
    fits = max(len(b[0]) for b in bars) * 0.6 * FONT <= bw - 2
    bottom = 26 if fits else 16 + int(0.6 * FONT * CUT * math.sin(math.radians(ANGLE))) + FONT
    h, ptop = 120 + bottom, 10
    ph = h - ptop - bottom
    peak = max(max(b[1] for b in bars), max(b[2] for b in bars)) or 1.0
    parts = _frame(h, name)
    for i, (label, a, b) in enumerate(bars):
        x0 = left + i * bw
        tip = f"{label}: real {_pct(a)}, synthetic {_pct(b)}"
        if rest and i == len(bars) - 1:
            shown = "\n".join(f"{lab}: real {_pct(p)}, synthetic {_pct(q)}" for lab, p, q in rest[:40])
            more = f"\n... and {len(rest) - 40} more" if len(rest) > 40 else ""
            tip = f"{len(rest)} less frequent categories together: real {_pct(a)}, synthetic {_pct(b)}\n{shown}{more}"
        parts.append(f"<g><title>{_esc(tip)}</title>")
        for cls, v, dx, colour in (("real", a, 0.08, REAL), ("syn", b, 0.5, SYN)):
            hv = v / peak * ph
            parts.append(f'<rect class="{cls}" x="{x0 + bw * dx:.2f}" y="{ptop + ph - hv:.2f}" width="{bw * 0.42:.2f}" '
                         f'height="{hv:.2f}" fill="{colour}"/>')
        cx, ty = x0 + bw / 2, ptop + ph + 12
        if fits:
            parts.append(f'<text class="label" x="{cx:.1f}" y="{ty}" font-size="{FONT}" text-anchor="middle">'
                         f'{_esc(label)}</text></g>')
        else:
            text = label if len(label) <= CUT else label[:CUT - 1] + "…"
            parts.append(f'<text class="label" x="{cx:.1f}" y="{ty}" font-size="{FONT}" text-anchor="end" '
                         f'transform="rotate(-{ANGLE},{cx:.1f},{ty})">{_esc(text)}</text></g>')
    parts.append(f'<line x1="{left}" y1="{ptop + ph}" x2="{left + pw}" y2="{ptop + ph}" stroke="#444"/>')
    _y_axis(parts, left, ptop, ph, peak)
    return "".join(parts) + "</svg>"


def _column_plot(name: str, kind: str, real: pd.Series, syn: pd.Series, score) -> str:
    note = ""
    if kind in NUMERIC_KINDS:
        r, s = _numeric_values(real, kind), _numeric_values(syn, kind)
        if np.isnan(r).all():
            return ""
        edges, fr, fs, outside = histogram(r, s, kind)
        svg = _svg_histogram(name, kind, edges, fr, fs)
        if outside > 0:
            note = f"<div class='muted'>{_pct(outside)} of the synthetic values lie outside the real range</div>"
    else:
        svg = _svg_categories(name, *category_frequencies(real, syn))
    return (f'<div class="plot"><h3>{_esc(name)} <span class="muted">{_esc(kind)}, score {_f(score)}</span></h3>'
            f"{svg}{note}</div>")


# ----------------------------------------------------------------------------- pair trends


def _red(t: float) -> str:
    return f"rgb(255,{int(255 * (1 - t))},{int(255 * (1 - t))})"


def _gaps(result: Mapping) -> tuple[list[str], np.ndarray]:
    names = list(result["columns"])
    gap = np.full((len(names), len(names)), np.nan)
    index = {c: i for i, c in enumerate(names)}
    for p in result["fidelity"]["pair_trends"]["pairs"]:
        i, j = index[p["columns"][0]], index[p["columns"][1]]
        score = p["score"]
        if score is not None and not (isinstance(score, float) and math.isnan(score)):
            gap[i, j] = gap[j, i] = 1.0 - score
    return names, gap


def _heatmap(result: Mapping) -> str:
    """The lower triangle of the pair-trend gaps: a cell per pair with its number (tooltips when the
    cells are too small), column names on both axes, a colour bar with its title and ticks."""
    names, gap = _gaps(result)
    n = len(names)
    if n < 2:
        return ""
    cell = 30 if n <= 24 else max(10, 720 // n)
    numbers = cell >= 26
    label = 10 + int(6.8 * max(len(c) for c in names))  # 11-px names
    left, top = label, 30
    grid = (n - 1) * cell
    bottom = top + grid + int(label * 0.72) + 8
    bar_x = left + grid + 40
    vmax = max(0.1, float(np.nanmax(gap)) if np.isfinite(gap).any() else 0.1)
    width, height = max(bar_x + 90, 560), max(bottom, top + 200)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             'aria-label="pair-trend gap heat map">', f'<rect width="{width}" height="{height}" fill="white"/>',
             '<text x="4" y="16" font-size="12" font-weight="600">Pair-trend gap (1 - score) for each pair of '
             'columns: 0 = related as in the real data</text>']
    for i in range(1, n):
        y = top + (i - 1) * cell
        parts.append(f'<text x="{left - 4}" y="{y + cell * 0.65:.1f}" font-size="11" text-anchor="end">'
                     f'{_esc(names[i])}</text>')
        for j in range(i):
            v = gap[i, j]
            x = left + j * cell
            if math.isnan(v):
                parts.append(f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="#f2f2f2">'
                             f'<title>{_esc(names[i])} ~ {_esc(names[j])}: not measured</title></rect>')
                continue
            t = min(1.0, v / vmax)
            parts.append(f'<rect class="cell" x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{_red(t)}">'
                         f'<title>{_esc(names[i])} ~ {_esc(names[j])}: gap {v:.3f}</title></rect>')
            if numbers:
                parts.append(f'<text class="value" x="{x + (cell - 1) / 2:.1f}" y="{y + cell * 0.62:.1f}" '
                             f'font-size="{FONT}" text-anchor="middle" fill="{"white" if t > 0.6 else "#222"}" '
                             f'pointer-events="none">{v:.2f}</text>')
    for j in range(n - 1):
        x, y = left + j * cell + cell * 0.6, top + grid + 6
        parts.append(f'<text x="{x:.1f}" y="{y}" font-size="11" text-anchor="end" '
                     f'transform="rotate(-45,{x:.1f},{y})">{_esc(names[j])}</text>')
    steps, sh = 10, 16
    for k in range(steps):
        t = (k + 0.5) / steps
        parts.append(f'<rect x="{bar_x}" y="{top + (steps - 1 - k) * sh}" width="14" height="{sh}" fill="{_red(t)}"/>')
    for frac in (0.0, 0.5, 1.0):
        y = top + steps * sh * (1 - frac)
        parts.append(f'<text x="{bar_x + 18}" y="{y + 3:.1f}" font-size="{FONT}">{vmax * frac:.2f}</text>')
    mid = top + steps * sh / 2
    parts.append(f'<text class="axis-title" x="{bar_x + 54}" y="{mid:.1f}" font-size="10" text-anchor="middle" '
                 f'transform="rotate(90,{bar_x + 54},{mid:.1f})">gap = 1 - pair-trend score</text></svg>')
    return "".join(parts)


# ----------------------------------------------------------------------------- the page


def _verdict(v: Verdict | None) -> str:
    if v is None:
        return ""
    return (f"<p class='verdict {v.level}' style='border-color:{LEVEL_COLOURS[v.level]}'>"
            f"<b style='color:{LEVEL_COLOURS[v.level]}'>{_esc(v.level)}</b>{_esc(v.text)}</p>")


def _provenance(prov: Mapping | None, result: Mapping) -> str:
    prov = dict(prov or {})
    files = prov.pop("inputs", None) or result.get("files") or {}
    rows = [(f"{name} table", path) for name, path in files.items() if path is not None]
    labels = {"model": "model folder", "seed": "seed", "ganforge": "ganforge version", "date": "date"}
    rows += [(labels.get(k, k), v) for k, v in prov.items() if v is not None]
    if not rows:
        return ""
    return _table(None, rows, cls="prov")


def render_html(result: Mapping, real: pd.DataFrame, synthetic: pd.DataFrame, provenance: Mapping | None = None,
                page: bool = True) -> str:
    """The report: provenance, verdicts, summary, per-column plots, the pair-trend heat map, utility, privacy.

    ``page=False`` gives a fragment (a ``<div>`` with its scoped style) to embed, e.g. in a notebook.
    """
    fid = result["fidelity"]
    real = real.rename(columns=str)
    synthetic = synthetic.rename(columns=str)
    said = verdicts(result)
    out = [f"<div class='gfr'><style>{_CSS}</style><h1>Synthetic data report</h1>"]
    out.append("<p class='muted'>" + _esc(", ".join(f"{k}: {v:,} rows" for k, v in result["n_rows"].items()))
               + "</p>" + _provenance(provenance, result))
    rows = [("shape score (mean of 1-KS / 1-TVD)", _f(fid["shape"]["mean"])),
            ("pair trends (mean)", _f(fid["pair_trends"]["mean"]))]
    if "independent" in fid["pair_trends"]:
        rows.append(("pair trends of the real columns shuffled independently (no relation kept)",
                     _f(fid["pair_trends"]["independent"])))
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
    out.append("<h2>Summary</h2>" + "".join(_verdict(v) for v in said.values()) + _table(("figure", "value"), rows))

    out.append("<h2>Columns</h2>" + _verdict(said["columns"]) + "<p class='legend'><span style='background:"
               + REAL + "'></span>real <span style='background:" + SYN + "'></span>synthetic "
               "<span class='muted' style='background:none;width:auto'>share of the non-missing values; "
               "hover for the figures</span></p><div class='grid'>")
    per = fid["shape"]["per_column"]
    for name, kind in result["columns"].items():
        if name in real.columns and name in synthetic.columns:
            out.append(_column_plot(name, kind, real[name], synthetic[name], per[name]["score"]))
    out.append("</div>")
    out.append(_table(("column", "kind", "metric", "statistic", "score", "missing real", "missing synthetic"),
                      [(c, v["kind"], v["metric"], _f(v["statistic"]), _f(v["score"]),
                        f"{v['missing_real']:.1%}", f"{v['missing_synthetic']:.1%}") for c, v in per.items()]))

    out.append("<h2>Pair trends</h2>" + _verdict(said["pair trends"]) + "<p class='muted'>Gap = 1 - pair-trend "
               "score: |&rho;<sub>real</sub> - &rho;<sub>syn</sub>| / 2 for two numeric columns, total variation "
               "distance of the joint frequencies otherwise (numeric columns cut at the real deciles). "
               "White = the same.</p>")
    out.append(_heatmap(result))

    if util:
        metrics = ["r2"] if util["task"] == "regression" else ["accuracy", "f1", "auroc"]
        header = ("model",) + tuple(f"{m} ({t})" for t in ("trained on real", "trained on synthetic") for m in metrics)
        rows = [tuple([name] + [_f(s[t].get(m)) for t in ("real", "synthetic") for m in metrics])
                for name, s in util["models"].items()]
        out.append(f"<h2>Utility: predicting {_esc(util['target'])}</h2>" + _verdict(said.get("utility")))
        extra = f", positive class {util['positive_class']!r}" if "positive_class" in util else ""
        out.append(f"<p class='muted'>{_esc(util['task'])}{_esc(extra)}; tested on "
                   f"{_esc(util.get('test_rows', 'the holdout'))} ({util['n_test']:,} rows)</p>")
        out.append(_table(header, rows))
    if priv:
        dcr = priv["dcr"]
        out.append("<h2>Privacy</h2>" + _verdict(said.get("privacy")) + "<p class='muted'>Distances on "
                   "standardised numeric and one-hot features. Synthetic rows should be no closer to the training "
                   "rows than unseen (holdout) rows are.</p>")
        out.append(_table(("distance to closest training record", "5th percentile", "median", "rows"), [
            ("synthetic", _f(dcr["synthetic_to_train"]["p5"]), _f(dcr["synthetic_to_train"]["median"]),
             dcr["synthetic_to_train"]["n"]),
            ("holdout (reference)", _f(dcr["holdout_to_train"]["p5"]), _f(dcr["holdout_to_train"]["median"]),
             dcr["holdout_to_train"]["n"])]))
    out.append("<h2>As text</h2><pre>" + _esc(format_report(result)) + "</pre></div>")
    body = "\n".join(out)
    if not page:
        return body
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>ganforge tabular report</title>"
            "<style>body{margin:24px}</style></head><body>\n" + body + "\n</body></html>")
