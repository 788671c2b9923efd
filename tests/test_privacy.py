"""ganforge.privacy: accountant, DP-SGD clipping and budget, refused combinations, identifiers, the canary
audit, and `ganforge anonymize` end to end. Tiny tables and few steps: the whole file runs in seconds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from ganforge.errors import ConfigError
from ganforge.privacy import accountant as acc
from ganforge.privacy.audit import audit, epsilon_lower_bound
from ganforge.privacy.dpsgd import PoissonRows, clipped_sum
from ganforge.privacy.params import resolved_ema
from ganforge.tabular import TabularGAN


def _table(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"email": [f"p{i}@mail.org" for i in range(n)], "age": rng.integers(18, 80, n),
                         "sex": rng.choice(["F", "M"], n), "pay": rng.normal(3000, 400, n).round(1),
                         "disease": rng.choice(["a", "b", "c"], n)})


# ---------------------------------------------------------------------------------- accountant

# (q, sigma, steps, delta) -> epsilon, as opacus 1.6's RDP accountant (get_privacy_spent on its
# DEFAULT_ALPHAS) computed it; the same orders are acc.ORDERS.
OPACUS = [((0.01, 1.1, 1000, 1e-5), 1.7117700912203435), ((0.004, 0.8, 5000, 1e-5), 2.92523658148822),
          ((0.5, 2.0, 10, 1e-5), 4.366850551130349), ((0.02, 5.0, 100, 1e-5), 0.1570119961424028)]


@pytest.mark.parametrize("args,expected", OPACUS)
def test_accountant_matches_opacus(args, expected):
    q, sigma, steps, delta = args
    assert acc.epsilon(acc.rdp(q, sigma, steps), delta)[0] == pytest.approx(expected, rel=1e-8)


def test_no_subsampling_is_the_gaussian_mechanism():
    orders = (2.0, 5.0, 32.0)
    assert np.allclose(acc.rdp(1.0, 2.0, 3, orders), [3 * a / 8 for a in orders])


def test_noise_multiplier_meets_the_target_just():
    sigma = acc.noise_multiplier(3.0, 1e-5, 1000, 0.01)
    assert sigma == pytest.approx(0.8655, rel=0.01)  # opacus get_noise_multiplier(3, 1e-5, 0.01, 1000): 0.8655
    assert acc.epsilon(acc.rdp(0.01, sigma, 1000), 1e-5)[0] <= 3.0
    assert acc.epsilon(acc.rdp(0.01, sigma * 0.98, 1000), 1e-5)[0] > 3.0


# ---------------------------------------------------------------------------------- DP-SGD

def test_clipping_bounds_one_rows_contribution():
    torch.manual_seed(0)
    g = {"w": torch.randn(8, 3, 4), "b": torch.randn(8, 4)}
    other = {k: v.clone() for k, v in g.items()}
    other["w"][3] *= 1e4  # one row's gradient changed, hugely
    clip, lr = 0.5, 0.1
    a, norms = clipped_sum(g, clip)
    b, _ = clipped_sum(other, clip)
    step = lr * torch.sqrt(sum(((a[k] - b[k]) ** 2).sum() for k in a))
    assert step <= 2 * clip * lr + 1e-6  # replace-one: at most twice the clip norm times the learning rate
    removed, _ = clipped_sum({k: torch.cat([v[:3], v[4:]]) for k, v in g.items()}, clip)
    assert torch.sqrt(sum(((a[k] - removed[k]) ** 2).sum() for k in a)) <= clip + 1e-6  # add/remove: clip
    assert (norms > clip).any()


def test_poisson_rows_sample_at_the_rate_and_keep_the_rows_category():
    data = torch.zeros(1000, 3)
    data[torch.arange(1000), torch.randint(3, (1000,))] = 1
    torch.manual_seed(1)
    sizes = []
    for _ in range(50):
        b = PoissonRows(data, [(0, 3)], 0.1).batch(torch.arange(5))
        sizes.append(len(b["real"]))
        assert torch.equal(b["real"].argmax(1), b["category"])
    assert 90 < np.mean(sizes) < 110


def test_private_fit_spends_at_most_its_budget_and_reports_each_step():
    model = TabularGAN(epsilon=2.0, epochs=2, batch_size=40, verbose=False, seed=0).fit(_table().drop(columns="email"))
    p = model.training_["privacy"]
    assert p["spent_epsilon"] <= 2.0 + 1e-9 and p["delta"] == pytest.approx(1 / 200 ** 1.1)
    assert p["steps"][-1]["step"].startswith("DP-SGD") and len(p["steps"]) >= 5
    assert sum(s["epsilon"] for s in p["steps"]) == pytest.approx(p["spent_epsilon"])
    assert len(model.sample(20)) == 20


def test_private_ema_averages_the_last_quarter_of_the_planned_steps():
    table = _table().drop(columns="email")
    private = TabularGAN(epsilon=2.0, epochs=2, batch_size=40, verbose=False).fit(table)
    assert private.training_["ema"] == 0.9  # 10 planned steps: 1 - 4/10 = 0.6, raised to the floor
    assert resolved_ema(TabularGAN(epsilon=3), 1950) == pytest.approx(1 - 4 / 1950)
    assert resolved_ema(TabularGAN(epsilon=3), 10 ** 6) == 0.999
    assert resolved_ema(TabularGAN(epsilon=3, ema=0.99), 1950) == 0.99  # a given decay is kept
    plain = TabularGAN(epochs=1, batch_size=40, verbose=False).fit(table)
    assert plain.training_["ema"] == 0.995


def test_budget_exhaustion_stops_training_with_a_message(capsys):
    model = TabularGAN(epsilon=2.0, noise_multiplier=2.0, epochs=50, batch_size=40, verbose=False)
    model.fit(_table().drop(columns="email"))
    p = model.training_["privacy"]
    assert model.training_["steps"] < 50 * 5
    assert "privacy budget spent" in p["stopped_by_budget"] and "privacy budget spent" in model.training_["stopped_by"]
    assert p["spent_epsilon"] <= 2.0


@pytest.mark.parametrize("kwargs,words", [
    ({"penalty": "gradient_penalty"}, "penalty"), ({"penalty": "r1"}, "penalty"), ({"pack": 2, "batch_size": 10},
                                                                                     "pack=1"),
    ({"loss": "wasserstein"}, "wasserstein"), ({"epsilon": -1}, "positive"), ({"delta": 2}, "delta")])
def test_refused_combinations(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        TabularGAN(**{"epsilon": 3, **kwargs})


def test_batch_norm_in_the_private_critic_is_refused():
    from ganforge.privacy.dpsgd import check_private_critic

    with pytest.raises(ConfigError, match="batch normalisation"):
        check_private_critic(torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.BatchNorm1d(3)), None, 1)


def test_identifiers_get_fresh_keys_in_the_private_path():
    df = _table()
    model = TabularGAN(epsilon=3, epochs=1, batch_size=50, verbose=False).fit(df, column_kinds={"email": "identifier"})
    out = model.sample(200)
    assert out["email"].str.contains("@").all() and not out["email"].isin(df["email"]).any()
    assert out["email"].is_unique


# ---------------------------------------------------------------------------------- audit

def test_lower_bound_grows_with_right_guesses():
    assert epsilon_lower_bound(20, 10, 100) == 0.0
    assert 1.5 < epsilon_lower_bound(20, 20, 100) < 2.0  # p^20 = 0.05 -> p = 0.861 -> log(p/(1-p)) = 1.82


def test_audit_catches_a_memorising_model_and_not_an_independent_one():
    df = _table(400).drop(columns="email")
    kinds = {"age": "integer", "sex": "discrete", "pay": "continuous", "disease": "discrete"}
    leaky = audit(lambda t: t.copy(), df, kinds, m=100, seed=0)
    assert leaky["tpr"] == 1.0 and leaky["fpr"] == 0.0 and leaky["epsilon_lower_bound"] > 1.5
    fresh = _table(400, seed=9).drop(columns="email")
    safe = audit(lambda t: fresh, df, kinds, m=100, seed=0)
    assert safe["epsilon_lower_bound"] < leaky["epsilon_lower_bound"] and safe["epsilon_lower_bound"] < 1.0


# ---------------------------------------------------------------------------------- anonymize

def test_anonymize_end_to_end_with_an_email_column(tmp_path):
    from ganforge.cli import main

    data = tmp_path / "people.csv"
    _table(200).to_csv(data, index=False)
    out = tmp_path / "release"
    meta = tmp_path / "public.json"
    meta.write_text(json.dumps({"sex": {"categories": ["F", "M"]}}))
    code = main(["anonymize", str(data), "--out", str(out), "--epsilon", "3", "--id-columns", "email",
                 "--public-metadata", str(meta),
                 "--quasi-identifiers", "age,sex", "--sensitive", "disease", "--epochs", "1", "--canaries", "40",
                 "-q"])
    assert code == 0
    assert {p.name for p in out.iterdir()} == {"synthetic.csv", "model_card.json", "MODEL_CARD.md", "report.json",
                                               "report.html", "VERDICT.txt"}
    card = json.loads((out / "model_card.json").read_text())
    assert card["epsilon"] == 3 and card["spent_epsilon"] <= 3 and card["guarantee"] == "differential privacy"
    syn = pd.read_csv(out / "synthetic.csv")
    real = pd.read_csv(data)
    assert len(syn) == 160 and not syn["email"].isin(real["email"]).any()
    figures = json.loads((out / "report.json").read_text())
    assert figures["identifier_copies"]["email"] == 0.0
    assert {"audit", "distance", "density", "attribute_inference", "singling_out", "linkability"} <= set(figures)
    assert (out / "VERDICT.txt").read_text().startswith("Verdict:")
    assert "Usefulness: pair-trend score" in (out / "VERDICT.txt").read_text()
    assert card["privacy_ledger"][2]["how"].startswith("public categories")  # email, age, then sex
    treatment = {c["column"]: c["treatment"] for c in card["columns"]}
    assert "calibrated" in treatment["sex"] and "calibrated" not in treatment["email"]
    # not ganforge's output: refused, never overwritten
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    assert main(["anonymize", str(data), "--out", str(other), "--epochs", "1", "-q"]) == 2
    assert (other / "keep.txt").read_text() == "x"


def test_report_runs_the_attacks_on_marked_columns():
    from ganforge.tabular.report import tabular_report

    real, holdout, syn = (_table(120, seed=s).drop(columns="email") for s in (0, 1, 2))
    rep = tabular_report(real, syn, holdout, detection_model=None, quasi_identifiers=["age", "sex"],
                         sensitive=["disease"])
    attacks = rep["privacy"]["attacks"]
    assert set(attacks) == {"distance", "density", "attribute_inference", "singling_out", "linkability"}
    assert 0.3 < attacks["density"]["auc"] < 0.7  # an independent table: no membership signal
    assert attacks["attribute_inference"]["disease"]["risk"] >= 0.0


def test_attacks_see_a_copied_table():
    from ganforge.privacy.attacks import distance_attack, singling_out

    real, holdout = _table(150, seed=0).drop(columns="email"), _table(150, seed=1).drop(columns="email")
    kinds = {"age": "integer", "sex": "discrete", "pay": "continuous", "disease": "discrete"}
    assert distance_attack(real, holdout, real.copy(), kinds)["auc"] > 0.95
    assert singling_out(real, holdout, real.copy(), ["age", "pay"])["risk"] > 0.5


def test_preprocessing_is_noised_and_public_metadata_is_taken_as_given():
    from ganforge.privacy.preprocess import POOLED, private_summary, public_kinds

    df = _table(2000).drop(columns="email")
    df.loc[:4, "disease"] = "rare"  # five rows: never released by the stability histogram
    kinds = public_kinds(df)
    assert kinds == {"age": "integer", "sex": "discrete", "pay": "continuous", "disease": "discrete"}
    s = private_summary(df, kinds, 2.0, 1e-5, metadata={"sex": {"categories": ["F", "M", "X"]},
                                                         "pay": {"range": [0, 10_000]}})
    assert "rare" not in s.released["disease"]["categories"] and set(s.released["disease"]["categories"]) == {"a", "b", "c"}
    assert s.released["sex"]["categories"] == ["F", "M", "X"] and s.released["pay"]["range"] == [0.0, 10_000.0]
    assert s.epsilon == pytest.approx(2.0) and s.delta <= 1e-5
    assert (s.prepare(df)["disease"].iloc[:5] == POOLED).all() and POOLED in set(s.surrogate["disease"])
    lo, hi = s.released["age"]["range"]
    assert 10 <= lo <= 40 and 50 <= hi <= 120  # the range comes from noisy bins, not the exact min and max


def test_ghost_clipping_equals_per_row_gradients():
    from ganforge.nets.tabular import TabularDiscriminator
    from ganforge.privacy.dpsgd import linear_clipped_sum, only_linear

    torch.manual_seed(0)
    d = TabularDiscriminator(6, hidden=(8, 5))
    x = torch.randn(7, 6) * 3

    def row_loss(logits):
        return torch.nn.functional.softplus(-logits).mean()

    per_row = {k: [] for k, _ in d.named_parameters()}
    for row in x:
        grads = torch.autograd.grad(row_loss(d(row[None])), list(d.parameters()))
        for (k, _), g in zip(d.named_parameters(), grads):
            per_row[k].append(g)
    expected, norms = clipped_sum({k: torch.stack(v) for k, v in per_row.items()}, 0.1)
    got, got_norms = linear_clipped_sum(d, x, row_loss, 0.1)
    assert only_linear(d) and (norms > 0.1).any()
    assert torch.allclose(got_norms.double(), norms, rtol=1e-4)
    for k in expected:
        assert torch.allclose(got[k], expected[k], atol=1e-6), k
