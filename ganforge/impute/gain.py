"""The GAIN objective and its training loop, shared by tables and images.

One step on a batch ``x`` (missing entries 0) with mask ``m`` (1 = observed, per column or pixel):
G sees ``x_tilde = m * x + (1 - m) * z`` (``z ~ U(0, noise)``) and ``m``, and fills in ``g``;
``x_hat = m * x + (1 - m) * g``. D sees ``x_hat`` and the hint ``h`` (:mod:`.hint`) and is trained to
tell each entry's ``m`` (binary cross-entropy, weighted by the hint's weights). G is trained to make D
say "observed" on the missing entries (``-log D``, same weights) plus ``alpha`` times its
reconstruction of the observed entries. ``drop_rate > 0`` (not in the paper: off by default) also hides
that share of the observed entries from G and D in training, so G is taught on entries whose truth is
known, and can learn from a table with few or no missing values.

``train`` can watch a score of G on held-out entries (``monitor``, lower is better): it keeps the best
G seen and stops once the score has not improved for ``patience`` checks, as scikit-learn's
``early_stopping`` does for its networks.
"""

from __future__ import annotations

import contextlib
import copy
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .hint import hint


def step(G, D, opt_g, opt_d, x: torch.Tensor, m: torch.Tensor, expand: Callable[[torch.Tensor], torch.Tensor],
         recon: Callable, *, hint_kind: str, hint_rate: float, alpha: float, noise: float, drop_rate: float,
         generator: torch.Generator | None = None, target: torch.Tensor | None = None) -> dict:
    """One GAIN step (D, then G against the updated D); ``expand`` maps a column mask to the data's layout;
    ``target`` (default ``m``) marks the observed entries G's reconstruction is scored on."""
    m_in = m
    if drop_rate > 0:
        m_in = m * (torch.rand(m.shape, generator=generator, device=m.device) >= drop_rate).to(m.dtype)
    mf = expand(m_in)
    z = torch.rand(x.shape, generator=generator, device=x.device) * noise
    g, raw = G(mf * x + (1 - mf) * z, m_in)
    x_hat = mf * x + (1 - mf) * g
    h, w = hint(m_in, hint_rate, hint_kind, generator)
    total = w.sum().clamp(min=1.0)
    d_loss = (w * F.binary_cross_entropy_with_logits(D(x_hat.detach(), h), m_in, reduction="none")).sum() / total
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()
    adv = (w * (1 - m_in) * F.softplus(-D(x_hat, h))).sum() / total  # -log D on the missing entries
    rec = recon(g, raw, x, m if target is None else target)
    opt_g.zero_grad(set_to_none=True)
    (adv + alpha * rec).backward(inputs=list(G.parameters()))
    opt_g.step()
    return {"d": d_loss.detach(), "adv": adv.detach(), "rec": rec.detach()}


def train(G, D, batches: Callable[[], tuple[torch.Tensor, ...]], *, n_iter: int, time_limit: float | None,
          lr: float, step_kwargs: dict, generator: torch.Generator | None = None,
          progress: Callable[[int, dict], None] | None = None,
          monitor: Callable[[nn.Module], float] | None = None, eval_every: int = 250,
          patience: int | None = None) -> dict:
    """Alternate D and G Adam steps for ``n_iter`` iterations or ``time_limit`` seconds (``batches()``
    gives ``x, m`` or ``x, m, target``); leave in G the weights to use (module docs); return the logs."""
    opt_d = torch.optim.Adam(D.parameters(), lr=lr)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr)
    G.train()
    D.train()
    start = time.perf_counter()
    logs: dict = {"iterations": 0}
    best, best_state, best_it, checks_since = float("inf"), None, 0, 0
    for it in range(n_iter):
        x, m, *target = batches()
        step_logs = step(G, D, opt_g, opt_d, x, m, generator=generator, target=target[0] if target else None,
                         **step_kwargs)
        logs = {**step_logs, "iterations": it + 1}
        if progress is not None and (it + 1) % 500 == 0:
            progress(it + 1, {k: float(v) for k, v in logs.items()})
        out_of_time = time_limit is not None and time.perf_counter() - start > time_limit
        if monitor is not None and ((it + 1) % eval_every == 0 or it + 1 == n_iter or out_of_time):
            with torch.no_grad():
                score = float(monitor(G))
            checks_since += 1
            if score < best:
                best, best_state, best_it, checks_since = score, copy.deepcopy(G.state_dict()), it + 1, 0
            if patience is not None and checks_since >= patience:
                break
        if out_of_time:
            break
    if best_state is not None:
        G.load_state_dict(best_state)
        logs.update(best_iteration=best_it, validation=best)
    G.eval()
    D.eval()
    logs = {k: float(v) if torch.is_tensor(v) else v for k, v in logs.items()}
    logs["seconds"] = time.perf_counter() - start
    return logs


@contextlib.contextmanager
def cpu_threads(device: str | torch.device, n: int = 1):
    """Small networks train fastest on one CPU thread (more threads only add synchronisation); restored after."""
    if torch.device(device).type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
