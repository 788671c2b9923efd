"""GAIN's step and training loop: the reconstruction is scored where it is told, and a monitor keeps the
best G and stops training once it stops improving."""

import torch

from ganforge.impute import gain
from ganforge.impute.nets import TableDiscriminator, TableGenerator


def _nets(width=3):
    torch.manual_seed(0)
    return TableGenerator(width, width, 8, 1, []), TableDiscriminator(width, width, 8, 1)


def _batches(width=3, n=16):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, width, generator=g)
    m = (torch.rand(n, width, generator=g) < 0.8).float()
    target = m.clone()
    target[:, 0] = 0  # column 0: observed but held out of the reconstruction
    return x, m, target


KW = dict(expand=lambda t: t, hint_kind="paper", hint_rate=0.9, alpha=10.0, noise=1.0, drop_rate=0.2)


def test_step_scores_the_reconstruction_on_the_target_mask():
    G, D = _nets()
    x, m, target = _batches()
    seen = []

    def recon(g, raw, xb, mb):
        seen.append(mb)
        return (mb * (g - xb) ** 2).sum() / mb.sum()

    opts = [torch.optim.Adam(n.parameters()) for n in (G, D)]
    gain.step(G, D, opts[0], opts[1], x, m, recon=recon, target=target, **KW)
    gain.step(G, D, opts[0], opts[1], x, m, recon=recon, **KW)
    assert torch.equal(seen[0], target) and torch.equal(seen[1], m)


def _recon(g, raw, xb, mb):
    return (mb * (g - xb) ** 2).sum() / mb.sum().clamp(min=1.0)


def test_monitor_keeps_the_best_generator_and_patience_stops_training():
    G, D = _nets()
    batch = _batches()
    scores = iter([3.0, 1.0, 2.0, 2.5, 0.5])  # the best check is the second; two worse ones then stop
    snapshots = []

    def monitor(net):
        snapshots.append({k: v.clone() for k, v in net.state_dict().items()})
        return next(scores)

    logs = gain.train(G, D, lambda: batch, n_iter=100, time_limit=None, lr=1e-2,
                      step_kwargs=dict(recon=_recon, **KW), monitor=monitor, eval_every=5, patience=2)
    assert logs["iterations"] == 20 and logs["best_iteration"] == 10 and logs["validation"] == 1.0
    assert len(snapshots) == 4
    final = G.state_dict()
    assert all(torch.equal(final[k], snapshots[1][k]) for k in final)
    assert not all(torch.equal(final[k], snapshots[3][k]) for k in final)  # training did move on after it


def test_without_a_monitor_the_last_generator_is_kept():
    G, D = _nets()
    batch = _batches()
    logs = gain.train(G, D, lambda: batch[:2], n_iter=7, time_limit=None, lr=1e-2,
                      step_kwargs=dict(recon=_recon, **KW))
    assert logs["iterations"] == 7 and "best_iteration" not in logs
