"""What a tabular report's figures mean, in one plain sentence per section.

:func:`verdicts` reads the dict :func:`ganforge.tabular.report.tabular_report` returns and says,
for each section it holds, whether the synthetic data is ``"good"``, ``"fair"`` or ``"poor"`` and
why. The thresholds are module constants; they are rules of thumb, not statistical tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

__all__ = ["Verdict", "verdicts", "shape_verdict", "pair_verdict", "detection_verdict", "utility_verdict",
           "privacy_verdict"]

SCORE_GOOD, SCORE_FAIR = 0.90, 0.80  # shape / pair-trend scores (1 = identical)
AUC_GOOD, AUC_FAIR, AUC_ALWAYS = 0.60, 0.80, 0.95  # detection AUC (0.5 = indistinguishable)
UTILITY_GOOD, UTILITY_FAIR = 0.05, 0.15  # ML efficacy lost: real - synthetic (F1 or R^2)
MIA_GOOD, MIA_FAIR = 0.55, 0.60  # membership-inference AUC (0.5 = no leakage)
RELATED_BELOW = 0.9  # a pair whose real columns, shuffled independently, score below this holds a relation
COPIES_MARGIN = 0.01  # synthetic exact copies may exceed the holdout's share by this much


@dataclass(frozen=True)
class Verdict:
    """One section's verdict: ``level`` is ``"good"``, ``"fair"`` or ``"poor"``; ``text`` says why."""

    section: str
    level: str
    text: str

    def __str__(self) -> str:
        return f"{self.section}: {self.text}"


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _level(value: float, good: float, fair: float, higher_is_better: bool = True) -> str:
    if not higher_is_better:
        value, good, fair = -value, -good, -fair
    return "good" if value >= good else "fair" if value >= fair else "poor"


def shape_verdict(shape: Mapping) -> Verdict:
    """Column shapes: the mean score and the weakest column."""
    mean = shape["mean"]
    level = _level(mean, SCORE_GOOD, SCORE_FAIR)
    what = {"good": "each column's values are distributed much as in the real data",
            "fair": "the columns' distributions are roughly right, with visible differences",
            "poor": "the columns' distributions differ markedly from the real data"}[level]
    worst = min(shape["per_column"].items(), key=lambda kv: kv[1]["score"])
    return Verdict("columns", level, f"shape score {mean:.3f}: {what}; the weakest column is {worst[0]!r} "
                                     f"({worst[1]['score']:.3f}).")


def pair_verdict(pairs: Mapping) -> Verdict:
    """Pair trends: the mean score and the weakest pair."""
    mean = pairs["mean"]
    scored = [p for p in pairs["pairs"] if not _nan(p["score"])]
    if _nan(mean) or not scored:
        return Verdict("pair trends", "fair", "no pair of columns could be compared.")
    level = _level(mean, SCORE_GOOD, SCORE_FAIR)
    what = {"good": "the relations between columns are kept",
            "fair": "the relations between columns are only roughly kept",
            "poor": "many relations between columns are lost"}[level]
    related = [p for p in scored if not _nan(p.get("independent", float("nan")))
               and p["independent"] < RELATED_BELOW]
    if related:
        kept = sum(p["score"] > p["independent"] for p in related)
        if kept < len(related) / 2:
            level, what = "poor", (f"only {kept} of the {len(related)} related pairs of columns score above the real "
                                   "columns shuffled independently, so most relations are lost (more rows, fewer "
                                   "columns or, with differential privacy, a larger epsilon help)")
        else:
            what += (f"; {kept} of the {len(related)} related pairs score above the real columns shuffled "
                     "independently")
    worst = min(scored, key=lambda p: p["score"])
    return Verdict("pair trends", level, f"pair-trend score {mean:.3f}: {what}; the weakest pair is "
                                         f"{worst['columns'][0]!r} ~ {worst['columns'][1]!r} ({worst['score']:.3f}).")


def detection_verdict(detection: Mapping, privacy: Mapping | None = None) -> Verdict:
    """Detection AUC; with ``privacy``, says when large distances to closest record come from unrealistic rows."""
    auc = detection["auc"]
    if _nan(auc):
        return Verdict("detection", "fair", "detection AUC could not be measured (too few rows).")
    level = _level(auc, AUC_GOOD, AUC_FAIR, higher_is_better=False)
    if level == "good":
        what = "a classifier can hardly tell the synthetic rows from real ones: the data looks realistic"
    elif level == "fair":
        what = "a classifier tells the synthetic rows apart fairly often: close, but not yet realistic"
    elif auc >= AUC_ALWAYS:
        what = "a classifier tells the synthetic rows apart almost always: the data is not realistic yet"
    else:
        what = "a classifier tells the synthetic rows apart most of the time: the data is not realistic yet"
    text = f"detection AUC {auc:.3f}: {what}"
    if level != "good" and privacy and _far(privacy):
        text += "; the large distances to closest record below are a sign of that, not of privacy"
    return Verdict("detection", level, text + ".")


def _far(privacy: Mapping) -> bool:
    """Synthetic rows lie farther from the training rows than unseen real rows do (median DCR)."""
    dcr = privacy["dcr"]
    return dcr["synthetic_to_train"]["median"] > dcr["holdout_to_train"]["median"]


def utility_verdict(utility: Mapping) -> Verdict:
    """ML efficacy: how much of the real data's predictive power models trained on synthetic rows keep."""
    eff, target = utility["ml_efficacy"], utility["target"]
    metric, syn, real = eff["metric"], eff["synthetic"], eff["real"]
    if _nan(syn) or _nan(real):
        return Verdict("utility", "poor", f"models trained on the synthetic rows could not be scored for {target!r} "
                                          f"(e.g. the synthetic target has a single class).")
    lost = real - syn
    level = _level(lost, UTILITY_GOOD, UTILITY_FAIR, higher_is_better=False)
    what = {"good": "about as well as", "fair": "somewhat worse than", "poor": "much worse than"}[level]
    return Verdict("utility", level, f"models trained on synthetic rows predict {target!r} {what} models trained "
                                     f"on real rows (mean {metric} {syn:.3f} against {real:.3f}).")


def privacy_verdict(privacy: Mapping, detection: Mapping | None = None) -> Verdict:
    """Exact copies, membership inference and distances to closest record, against the holdout's figures."""
    copies, mia = privacy["exact_copies"], privacy["membership_auc"]
    dcr = privacy["dcr"]
    syn_p5, hold_p5 = dcr["synthetic_to_train"]["p5"], dcr["holdout_to_train"]["p5"]
    if copies["synthetic"] > copies["holdout"] + COPIES_MARGIN:
        return Verdict("privacy", "poor", f"{copies['synthetic']:.1%} of the synthetic rows are exact copies of "
                                          f"training rows (unseen real rows: {copies['holdout']:.1%}).")
    if not _nan(mia) and mia > MIA_FAIR:
        return Verdict("privacy", "poor", f"membership-inference AUC {mia:.3f}: the synthetic data gives away "
                                          "which rows were in the training data.")
    if (not _nan(mia) and mia > MIA_GOOD) or syn_p5 < 0.5 * hold_p5:
        return Verdict("privacy", "fair", f"some synthetic rows sit closer to training rows than unseen real rows "
                                          f"do (5th percentile of the distance {syn_p5:.3f} against {hold_p5:.3f}; "
                                          f"membership-inference AUC {mia:.3f}).")
    text = (f"no sign of copied training rows: membership-inference AUC {mia:.3f}, synthetic rows no closer to "
            "the training rows than unseen real rows")
    auc = None if detection is None else detection["auc"]
    if not _nan(auc) and auc > AUC_FAIR and _far(privacy):
        return Verdict("privacy", "fair", text + f"; but with detection AUC {auc:.3f} the large distances show "
                                                 "unrealistic rows rather than privacy.")
    return Verdict("privacy", "good", text + ".")


def verdicts(result: Mapping) -> dict[str, Verdict]:
    """The verdict of every section in ``result`` (a :func:`tabular_report` dict), by section name."""
    fid = result["fidelity"]
    priv, det = result.get("privacy"), fid.get("detection")
    out = {"columns": shape_verdict(fid["shape"]), "pair trends": pair_verdict(fid["pair_trends"])}
    if det:
        out["detection"] = detection_verdict(det, priv)
    if result.get("utility"):
        out["utility"] = utility_verdict(result["utility"])
    if priv:
        out["privacy"] = privacy_verdict(priv, det)
    return out
