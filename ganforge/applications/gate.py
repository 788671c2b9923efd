"""Does the synthetic data help? The check ``ganforge augment`` makes before it hands a data set over.

A stratified share of the real images (``validation``) is held out: the GAN never trains on it
(``data.holdout``). On the rest, a quick CNN classifier is trained once per candidate -- real only,
real + classical augmentation (shifted and scaled copies), real + random oversampling (exact copies)
and real + the GAN's samples, each with every share of the planned additions in ``mixes`` (the mix
of synthetic to real; half and all of the plan unless the user gives one) -- and scored on the held-out
images (accuracy, macro F1, the F1 of the rarest class); each keeps its best share. The GAN's data set is handed over only when it beats every baseline on macro F1;
otherwise the best baseline's is (unless ``force``), so a user never unknowingly gets a data set
that makes their model worse.

The GAN's samples are filtered first (:func:`filter_synthetic`): a classifier trained on the real
images must read each as its intended class, and each must lie as near to a real image (in that
classifier's features) as real images lie to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from ganforge.features.train import augment_views, train_extractor

__all__ = ["BASELINES", "MIXES", "Scores", "choose", "classical_copies", "filter_synthetic", "oversampled_copies",
           "filtered", "run_gate", "scaled", "score_candidate", "take_per_class", "train_judge"]

#: The data sets a user would otherwise train on, by name: additions made from the real images alone.
BASELINES = ("real only", "classical augmentation", "random oversampling")

Additions = tuple[Tensor, Tensor, Tensor]  # uint8 images, labels, source index (-1: none)


@dataclass
class Scores:
    """A classifier's scores on the held-out images."""

    accuracy: float
    macro_f1: float
    minority_f1: float  # F1 of the class with the fewest real training images

    def as_dict(self) -> dict[str, float]:
        return {"accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4),
                "minority_f1": round(self.minority_f1, 4)}


def _round_robin(labels: Tensor, additions: Sequence[int], g: torch.Generator) -> Tensor:
    """For each class, ``additions[c]`` indices of its members, each used once before any twice."""
    picks = []
    for c, m in enumerate(additions):
        if m:
            members = torch.nonzero(labels == c).flatten()
            order = members[torch.randperm(len(members), generator=g)]
            picks.append(order[torch.arange(m) % len(order)])
    return torch.cat(picks) if picks else torch.empty(0, dtype=torch.int64)


def oversampled_copies(images: Tensor, labels: Tensor, additions: Sequence[int], seed: int = 0) -> Additions:
    """Random oversampling: exact copies of each class's real images."""
    src = _round_robin(labels, additions, torch.Generator().manual_seed(seed))
    return images[src], labels[src], src


def classical_copies(images: Tensor, labels: Tensor, additions: Sequence[int], seed: int = 0) -> Additions:
    """Classical augmentation: each copy of a real image shifted (up to 15 %) and scaled (up to 25 %)."""
    g = torch.Generator().manual_seed(seed)
    src = _round_robin(labels, additions, g)
    if len(src) == 0:
        return images[src], labels[src], src
    views = torch.cat([augment_views(x.float() / 127.5 - 1.0, g, flip=False, strength=1.0)
                       for x in images[src].split(500)])
    return ((views + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8), labels[src], src


def train_judge(images: Tensor, labels: Tensor, seed: int = 0, steps: int | None = None,
                time_budget: float = 30.0) -> Any:
    """The quick CNN classifier (no augmentation, no hold-out) that scores candidates and filters samples;
    ``steps`` defaults to 30 passes over the images, between 100 and 400 batches of 64."""
    if steps is None:
        steps = min(400, max(100, 30 * -(-len(images) // 64)))
    model, _ = train_extractor(images, labels, steps=steps, time_budget=time_budget, seed=seed, progress=None,
                               augmentation=0.0, hold_out=False)
    return model


@torch.no_grad()
def _logits(model: Any, images: Tensor) -> tuple[Tensor, Tensor]:
    feats, logits = zip(*(model(x.float() / 127.5 - 1.0) for x in images.split(500)))
    return torch.cat(feats), torch.cat(logits)


def _scores(pred: np.ndarray, truth: np.ndarray, minority: int, num_classes: int) -> Scores:
    from sklearn.metrics import f1_score

    f1 = f1_score(truth, pred, labels=list(range(num_classes)), average=None, zero_division=0)
    present = np.bincount(truth, minlength=num_classes) > 0
    return Scores(float((pred == truth).mean()), float(f1[present].mean()), float(f1[minority]))


def score_candidate(train: tuple[Tensor, Tensor], additions: Additions, held_out: tuple[Tensor, Tensor], *,
                    num_classes: int, seed: int = 0, steps: int | None = None, time_budget: float = 30.0
                    ) -> tuple[Scores, Any]:
    """Train the quick classifier on the real training images plus ``additions``; score it on ``held_out``.

    Returns the scores and the classifier (which :func:`filter_synthetic` can use when ``additions`` is empty).
    """
    images = torch.cat([train[0], additions[0]])
    labels = torch.cat([train[1], additions[1]])
    model = train_judge(images, labels, seed, steps, time_budget)
    _, logits = _logits(model, held_out[0])
    counts = torch.bincount(train[1], minlength=num_classes)
    minority = int(torch.where(counts > 0, counts, counts.max() + 1).argmin())
    return _scores(logits.argmax(1).numpy(), held_out[1].numpy(), minority, num_classes), model


@torch.no_grad()
def filter_synthetic(classifier: Any, real: Tensor, images: Tensor, labels: Tensor, *,
                     min_confidence: float = 0.5, realism_quantile: float = 0.95) -> tuple[Tensor, dict[str, Any]]:
    """Which synthetic images to keep: the classifier reads each as its intended class with at least
    ``min_confidence``, and its nearest real image (in the classifier's features) is no farther than
    ``realism_quantile`` of the real images' distances to their own nearest neighbours.

    Returns a boolean mask and a report (counts and acceptance rates, overall and by class).
    """
    feats, logits = _logits(classifier, images)
    probs = torch.softmax(logits, 1)
    agree = (probs.argmax(1) == labels) & (probs.gather(1, labels[:, None])[:, 0] >= min_confidence)
    real_feats, _ = _logits(classifier, real)
    between_real = torch.cdist(real_feats, real_feats)
    between_real.fill_diagonal_(float("inf"))
    limit = torch.quantile(between_real.min(1).values, realism_quantile)
    realistic = torch.cdist(feats, real_feats).min(1).values <= limit
    keep = agree & realistic
    n = max(len(labels), 1)
    report: dict[str, Any] = {
        "generated": len(labels), "accepted": int(keep.sum()), "acceptance": round(float(keep.sum()) / n, 4),
        "classifier_agrees": round(float(agree.sum()) / n, 4), "realistic": round(float(realistic.sum()) / n, 4),
        "by_class": {int(c): round(float(keep[labels == c].float().mean()), 4) for c in torch.unique(labels).tolist()},
    }
    return keep, report


def choose(scores: dict[str, Scores], candidate: str, *, force: bool = False) -> tuple[str, str]:
    """The data set to hand over, and why: ``candidate`` (the GAN's) when it beats every baseline on
    macro F1 (or ``force``), else the best baseline."""
    baselines = {name: s for name, s in scores.items() if name != candidate}
    best = max(baselines, key=lambda name: (baselines[name].macro_f1, baselines[name].accuracy))
    gan, base = scores[candidate], baselines[best]
    if gan.macro_f1 > base.macro_f1:
        return candidate, (f"{candidate} beats the best baseline ({best}) on held-out macro F1: "
                           f"{gan.macro_f1:.3f} vs {base.macro_f1:.3f}")
    verdict = (f"{candidate} does not beat {best} on held-out macro F1 ({gan.macro_f1:.3f} vs {base.macro_f1:.3f})")
    if force:
        return candidate, verdict + "; handed over anyway (--force)"
    return best, verdict + f"; {best} is handed over instead (--force hands over the synthetic data)"


#: The shares of the planned additions tried on the held-out images when the user gives none.
MIXES = (0.5, 1.0)


def scaled(plan: Sequence[int], mix: float) -> list[int]:
    """``mix`` (a share in (0, 1]) of each class's planned additions, at least one where any were planned."""
    return [max(1, round(m * mix)) if m else 0 for m in plan]


def run_gate(train: tuple[Tensor, Tensor], held_out: tuple[Tensor, Tensor], plan: Sequence[int], *,
             num_classes: int, synthesize: Callable[[Sequence[int]], Additions], candidate: str, seed: int = 0,
             mixes: Sequence[float] = MIXES, min_confidence: float = 0.5, steps: int | None = None,
             time_budget: float = 30.0, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Score real only, the baselines and ``candidate`` (``synthesize(plan)`` filtered) on ``held_out``.

    ``synthesize(counts)`` returns that many samples per class from the GAN (see :func:`filtered`).
    Each data set that adds images is scored with each share of the plan in ``mixes`` and keeps its best
    (the baselines get the same search as the GAN, so picking the best of several is no advantage).
    Returns the scores (the best share of each), ``mix`` (that share by name), ``by_mix`` (every score),
    the filter's report and the classifier trained on real images only (the filter's judge).
    """
    say = progress or (lambda _: None)
    kw = dict(num_classes=num_classes, seed=seed, steps=steps, time_budget=time_budget)
    empty = (train[0][:0], train[1][:0], torch.empty(0, dtype=torch.int64))
    say("  scoring: real only")
    real_scores, judge = score_candidate(train, empty, held_out, **kw)
    makers = {name: (lambda counts, make=make: make(train[0], train[1], counts, seed))
              for name, make in (("classical augmentation", classical_copies), ("random oversampling", oversampled_copies))}
    kept, report = filtered(synthesize, judge, train[0], plan, min_confidence=min_confidence)
    makers[candidate] = lambda counts: take_per_class(kept, counts)
    say(f"  {candidate}: {report['acceptance']:.0%} of its samples accepted by the filter")
    by_mix: dict[str, dict[float, Scores]] = {}
    for name, make in makers.items():
        for mix in mixes:
            say(f"  scoring: {name}" + (f", {mix:g} of the planned images" if len(mixes) > 1 else ""))
            by_mix.setdefault(name, {})[mix], _ = score_candidate(train, make(scaled(plan, mix)), held_out, **kw)
    best = {name: max(scores, key=lambda m: (scores[m].macro_f1, scores[m].accuracy)) for name, scores in by_mix.items()}
    scores = {"real only": real_scores, **{name: by_mix[name][best[name]] for name in by_mix}}
    return {"scores": scores, "mix": best, "by_mix": by_mix, "filter": report, "judge": judge}


def filtered(synthesize: Callable[[Sequence[int]], Additions], judge: Any, real: Tensor, plan: Sequence[int], *,
             min_confidence: float = 0.5, rounds: int = 3) -> tuple[Additions, dict[str, Any]]:
    """``plan[c]`` samples of each class that pass :func:`filter_synthetic`: twice the plan is drawn, and
    again for the classes still short, up to ``rounds`` times; a class still short after that is topped up
    with its rejected samples the judge was surest of (the report counts them as ``below_bar``)."""
    pool: list[Additions] = []
    confidence: list[Tensor] = []
    keeps: list[Tensor] = []
    report: dict[str, Any] = {}
    need = list(plan)
    for _ in range(rounds):
        if not any(need):
            break
        drawn = synthesize([2 * m for m in need])
        keep, report_round = filter_synthetic(judge, real, drawn[0], drawn[1], min_confidence=min_confidence)
        report = report_round if not report else _add_reports(report, report_round)
        pool.append(drawn)
        keeps.append(keep)
        with torch.no_grad():
            probs = torch.softmax(_logits(judge, drawn[0])[1], 1)
        confidence.append(probs.gather(1, drawn[1][:, None])[:, 0])
        have = torch.bincount(torch.cat([p[1][k] for p, k in zip(pool, keeps)]), minlength=len(plan))
        need = [max(0, m - int(h)) for m, h in zip(plan, have)]
    images, labels, sources = (torch.cat([p[i] for p in pool]) for i in range(3))
    keep, conf = torch.cat(keeps), torch.cat(confidence)
    # accepted first, then the rejected by the judge's confidence in their class
    order = torch.argsort(torch.where(keep, 2.0, conf), descending=True, stable=True)
    chosen = take_per_class((images[order], labels[order], sources[order]), plan)
    below = sum(need)
    report["below_bar"] = below
    return chosen, report


def _add_reports(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    n = a["generated"] + b["generated"]
    merged = {"generated": n, "accepted": a["accepted"] + b["accepted"]}
    merged["acceptance"] = round(merged["accepted"] / max(n, 1), 4)
    for key in ("classifier_agrees", "realistic"):
        merged[key] = round((a[key] * a["generated"] + b[key] * b["generated"]) / max(n, 1), 4)
    merged["by_class"] = {**b["by_class"], **a["by_class"]}  # the first round's rate per class
    return merged


def take_per_class(additions: Additions, plan: Sequence[int]) -> Additions:
    """The first ``plan[c]`` samples of each class (fewer when there are fewer)."""
    images, labels, sources = additions
    picks = [torch.nonzero(labels == c).flatten()[:m] for c, m in enumerate(plan) if m]
    index = torch.cat(picks) if picks else torch.empty(0, dtype=torch.int64)
    return images[index], labels[index], sources[index]
