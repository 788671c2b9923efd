"""From a personal table to a release folder: ``ganforge anonymize data.csv --out release/``.

Steps: identifier columns (named by the user, or detected) get fresh keys; a holdout (default 20%) is
kept out of training for the attacks; a TabularGAN is fitted (with differential privacy when
``epsilon`` is given) on the rest plus the audit's canaries (:mod:`.audit`: one run serves both); the
synthetic table is judged by the tabular report (fidelity, utility with a ``target``, distances) and
the attacks (:mod:`.attacks`); and the release folder is written whole or not at all:

* ``synthetic.csv`` -- the synthetic table (as many rows as the training part);
* ``model_card.json`` and ``MODEL_CARD.md`` -- columns and their treatment, the guarantee (epsilon /
  delta and its ledger, or "no formal guarantee"), training time, ganforge's version;
* ``report.json`` -- every figure; ``report.html`` -- the tabular report's page (fidelity, utility,
  distances); ``VERDICT.txt`` -- what the figures mean, in plain words.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge.errors import ConfigError, DataError

__all__ = ["FORMAT", "anonymize", "verdict"]

FORMAT = "ganforge.release"
CARD = "model_card.json"
MIA_OK = 0.55  # a membership AUC at most this is "no measurable membership signal" in the verdict


def _holdout_split(df: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not 0 < fraction < 1:
        raise ConfigError(f"--holdout-fraction must be in (0, 1); got {fraction}")
    order = np.random.default_rng([seed, 31]).permutation(len(df))
    k = int(round(len(df) * fraction))
    if k < 4 or len(df) - k < 10:
        raise DataError(f"the table has {len(df)} rows; too few to keep a holdout of {fraction:.0%} for the attacks")
    return df.iloc[order[k:]].reset_index(drop=True), df.iloc[order[:k]].reset_index(drop=True)


def _treatment(model: Any, kinds: Mapping[str, str], released: Mapping[str, Any]) -> list[dict]:
    out = []
    for col in model.transformer_.columns:
        row: dict[str, Any] = {"column": col.name, "kind": col.kind}
        if col.kind == "identifier":
            row["treatment"] = ("dropped" if model.identifiers == "drop" else
                                f"fresh values ({(col.identifier or {}).get('format', 'code')} format), never a real one")
        elif col.kind == "discrete":
            row["treatment"] = f"modelled: {len(col.categories)} categories" + (", rare ones pooled" if col.other else "")
        else:
            row["treatment"] = f"modelled: range {col.min:g} .. {col.max:g}" if col.has_continuous else "modelled"
        if col.name in released:
            row["released_with_dp"] = True
        if model.calibrate and model.marginals_ is not None and col.name in model.marginals_.columns:
            row["treatment"] += "; one-way shares calibrated to its DP summary"
        out.append(row)
    return out


def verdict(card: Mapping, figures: Mapping) -> list[str]:
    """Plain-words lines: the guarantee, the audit, the attacks, identifier copies, and the overall call."""
    lines, worry, stop = [], 0, False
    eps = card.get("epsilon")
    if eps is not None:
        lines.append(f"Guarantee: differential privacy with epsilon = {eps:g} and delta = {card['delta']:.2g} "
                     f"(spent: epsilon {card['spent_epsilon']:.3f}). Whatever an attacker knows, the release changes "
                     f"the odds of learning that a person was in the data by a factor of at most e^{eps:g} "
                     f"= {np.exp(eps):.1f}, except with probability delta.")
    else:
        lines.append("Guarantee: NONE. The model was trained without differential privacy; the measurements "
                     "below can reveal leakage but cannot prove its absence. Use --epsilon for a guarantee.")
    audit = figures.get("audit") or {}
    if audit:
        lb = audit["epsilon_lower_bound"]
        if eps is not None and lb > eps:
            stop = True
            lines.append(f"Audit: measured leakage ABOVE the guarantee (epsilon >= {lb:.2f} from the canaries, "
                         f"guarantee {eps:g}): the training is broken; do not release.")
        elif lb > 0:
            worry += eps is None
            lines.append(f"Audit: the canaries show measurable leakage, epsilon >= {lb:.2f} (TPR {audit['tpr']:.2f}, "
                         f"FPR {audit['fpr']:.2f})" + (f", within the guarantee of {eps:g}." if eps is not None else "."))
        else:
            lines.append(f"Audit: the canary attack found no leakage (lower bound 0; TPR {audit['tpr']:.2f}, "
                         f"FPR {audit['fpr']:.2f}).")
    for name, label in (("distance", "by distance"), ("density", "by density ratio (DOMIAS)")):
        auc = (figures.get(name) or {}).get("auc")
        if auc is None:
            continue
        if auc > MIA_OK:
            worry += 1
            lines.append(f"Membership inference {label}: AUC {auc:.3f}: an attacker can tell training rows from "
                         f"others better than chance.")
        else:
            lines.append(f"Membership inference {label}: AUC {auc:.3f}, close to chance (0.5).")
    for name in ("attribute_inference", "singling_out", "linkability"):
        part = figures.get(name)
        if not part:
            continue
        risks = [v["risk"] for v in part.values()] if name == "attribute_inference" else [part["risk"]]
        r = max(risks)
        worry += r > 0.1
        lines.append(f"{name.replace('_', ' ').capitalize()} risk: {r:.3f} (0: no more than about people outside the data).")
    copies = figures.get("identifier_copies") or {}
    if copies:
        worst = max(copies.values())
        stop = stop or worst > 0
        lines.append("Identifiers: no synthetic identifier is a real one." if worst == 0 else
                     f"Identifiers: {worst:.1%} of some identifier column's values are real ones: do not release.")
    pairs = ((figures.get("report") or {}).get("fidelity") or {}).get("pair_trends")
    if pairs:
        from ganforge.tabular.verdicts import pair_verdict

        lines.append("Usefulness: " + pair_verdict(pairs).text)
    overall = ("DO NOT RELEASE" if stop else
               "REVIEW BEFORE RELEASE" if worry or eps is None else "FIT FOR RELEASE under the stated guarantee")
    return [f"Verdict: {overall}."] + lines


def anonymize(df: pd.DataFrame, out: str | Path, *, epsilon: float | None = None, delta: float | None = None,
              id_columns: Sequence[str] = (), quasi_identifiers: Sequence[str] = (), sensitive: Sequence[str] = (),
              target: str | None = None, holdout_fraction: float = 0.2, canaries: int = 100,
              model_options: Mapping[str, Any] | None = None, seed: int = 0, inputs: Mapping[str, str] | None = None
              ) -> dict:
    """Write the release folder ``out`` (module docs); returns the model card with the verdict lines."""
    from ganforge import __version__
    from ganforge.data.tabular.columns import resolve_kinds
    from ganforge.io import atomic_folder, write_text
    from ganforge.metrics.tabular.privacy import identifier_copies
    from ganforge.tabular.model import TabularGAN
    from ganforge.tabular.report import tabular_report

    from . import attacks
    from .audit import audit

    start = time.perf_counter()
    for col in [*id_columns, *quasi_identifiers, *sensitive, *([target] if target else [])]:
        if col not in df.columns:
            raise DataError(f"unknown column {col!r}; the table's columns are: {', '.join(map(str, df.columns[:20]))}")
    train, holdout = _holdout_split(df, holdout_fraction, seed)
    given = {c: "identifier" for c in id_columns}
    kinds = resolve_kinds(train, None, given)
    options = {"seed": seed, "epsilon": epsilon, "delta": delta, **dict(model_options or {})}
    model = TabularGAN(**options)

    def fit_sample(table: pd.DataFrame) -> pd.DataFrame:
        model.fit(table, column_kinds=given or None)
        return model.sample(len(train), seed=seed)

    result = audit(fit_sample, train, kinds, m=canaries, seed=seed)
    synthetic = result.pop("synthetic")
    privacy = model.training_.get("privacy")
    if privacy is not None:  # the audit's bound with the run's delta (a looser bound, as it must be)
        from .audit import epsilon_lower_bound

        result["epsilon_lower_bound"] = epsilon_lower_bound(result["guesses"], result["correct"], canaries,
                                                            privacy["delta"])
    figures: dict[str, Any] = {"audit": result}
    ids = [c for c, k in model.columns_.items() if k == "identifier"]
    attack_kinds = {c: ("identifier" if c in ids else k) for c, k in kinds.items()}
    figures.update(attacks.run_attacks(train, holdout, synthetic, attack_kinds, quasi_identifiers, sensitive,
                                       seed=seed))
    if ids:
        figures["identifier_copies"] = identifier_copies({"real": df, "synthetic": synthetic}, ids)
    report = tabular_report(train.drop(columns=ids), synthetic.drop(columns=ids), holdout.drop(columns=ids),
                            target=target, seed=seed, detection_model=None)
    figures["report"] = dict(report)
    t = model.training_
    card = {
        "format": FORMAT, "ganforge": __version__, "inputs": dict(inputs or {}),
        "rows": {"input": len(df), "trained_on": len(train), "holdout": len(holdout), "canaries": canaries,
                 "synthetic": len(synthetic)},
        "epsilon": epsilon, "delta": privacy["delta"] if privacy else None,
        "delta_rule": privacy["delta_rule"] if privacy else None,
        "spent_epsilon": privacy["spent_epsilon"] if privacy else None,
        "guarantee": "differential privacy" if privacy else "no formal guarantee",
        "privacy_ledger": privacy["steps"] if privacy else None,
        "columns": _treatment(model, kinds, privacy["released"] if privacy else {}),
        "quasi_identifiers": list(quasi_identifiers), "sensitive": list(sensitive),
        "training": {k: t.get(k) for k in ("steps", "epochs", "seconds", "device", "precision", "stopped_by")},
        "seconds": round(time.perf_counter() - start, 1),
    }
    card["verdict"] = verdict(card, figures)
    out = Path(out)
    with atomic_folder(out, manifest=CARD, fmt=FORMAT) as folder:
        from ganforge.tabular.io import write_table

        write_table(synthetic, folder / "synthetic.csv")
        write_text(folder / "report.json", json.dumps(_plain(figures), indent=1) + "\n")
        report.save(folder)  # report.html, the tabular report's page (its report.json is replaced next)
        write_text(folder / "report.json", json.dumps(_plain(figures), indent=1) + "\n")
        write_text(folder / "VERDICT.txt", "\n".join(card["verdict"]) + "\n")
        write_text(folder / "MODEL_CARD.md", _card_markdown(card))
        write_text(folder / CARD, json.dumps(_plain(card), indent=1) + "\n")
    return card


def _plain(x: Any) -> Any:
    from ganforge.io import to_plain

    return to_plain(x, nan=None)


def _card_markdown(card: Mapping) -> str:
    lines = ["# Model card: synthetic release", "",
             f"- ganforge {card['ganforge']}; made in {card['seconds']} s "
             f"(training {card['training'].get('seconds')} s, {card['training'].get('steps')} steps)",
             f"- guarantee: {card['guarantee']}" + (f", epsilon {card['epsilon']:g}, delta {card['delta']:.3g} "
                                                   f"({card['delta_rule']})" if card["epsilon"] is not None else ""),
             f"- rows: {card['rows']}", "", "## Columns", "", "| column | kind | treatment |", "|---|---|---|"]
    lines += [f"| {c['column']} | {c['kind']} | {c['treatment']} |" for c in card["columns"]]
    if card.get("privacy_ledger"):
        lines += ["", "## Privacy budget, step by step", "", "| step | epsilon | delta | how |", "|---|---|---|---|"]
        lines += [f"| {e['step']} | {e['epsilon']:.4g} | {e['delta']:.3g} | {e['how']} |" for e in card["privacy_ledger"]]
    lines += ["", "## Verdict", ""] + [f"- {v}" for v in card["verdict"]]
    return "\n".join(lines) + "\n"
