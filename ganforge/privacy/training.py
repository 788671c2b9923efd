"""The private path of :meth:`ganforge.tabular.TabularGAN.fit`: the budget split, the DP preprocessing,
the calibrated noise, the private GAN and the ledger written into the model's ``training_``.

Budget: ``preprocess_share`` of epsilon and of delta (default 0.2) goes to the preprocessing summaries
(:mod:`.preprocess`, pure Laplace counts and stability histograms, composed by adding epsilons and
deltas), the rest to DP-SGD (:mod:`.dpsgd`), whose noise multiplier the RDP accountant
(:mod:`.accountant`) calibrates for the planned steps. The two parts compose by adding epsilons and
deltas (basic composition), so the total never exceeds the target. delta defaults to ``1 / n^1.1``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge.errors import ConfigError
from ganforge.tabular.calibration import Marginals

from .accountant import RDPAccountant, default_delta, noise_multiplier
from .dpsgd import BudgetStop, PoissonRows
from .preprocess import POOLED, private_summary, public_kinds

__all__ = ["PrivateFit", "DEFAULT_PRIVATE_EPOCHS"]

DEFAULT_PRIVATE_EPOCHS = 30


class PrivateFit:
    """Everything the private fit needs beyond the ordinary one (see the module docs)."""

    def __init__(self, model: Any, df: pd.DataFrame, discrete_columns: Sequence[str] | None,
                 column_kinds: Mapping[str, str] | None) -> None:
        self.n = len(df)
        self.epsilon = float(model.epsilon)
        self.delta = float(model.delta) if model.delta is not None else default_delta(self.n)
        self.delta_rule = "given" if model.delta is not None else "1 / n^1.1"
        share = float(model.preprocess_share)
        kinds = public_kinds(df, column_kinds, discrete_columns)
        self.summary = private_summary(df, kinds, self.epsilon * share, self.delta * share, seed=int(model.seed),
                                       metadata=model.public_metadata)
        self.kinds = self.summary.kinds
        self.eps_sgd = self.epsilon - self.summary.epsilon
        self.delta_sgd = self.delta - self.summary.delta
        self.clip = float(model.max_grad_norm)
        self.given_sigma = model.noise_multiplier
        self.accountant: RDPAccountant | None = None
        self.stop: BudgetStop | None = None

    @property
    def surrogate(self) -> pd.DataFrame:
        return self.summary.surrogate

    def prepare(self, df: pd.DataFrame, transformer: Any = None) -> pd.DataFrame:
        return self.summary.prepare(df, transformer)

    def rows(self, data: np.ndarray, cond_spans: Sequence[tuple[int, int]], batch_size: int, d_steps: int,
             n_critic: int) -> PoissonRows:
        """The Poisson-sampled rows; calibrates the noise for ``d_steps`` private steps (or checks the given one)."""
        self.rate = min(1.0, batch_size / self.n)
        self.expected_batch = self.rate * self.n
        if self.given_sigma is None:
            self.sigma = noise_multiplier(self.eps_sgd, self.delta_sgd, d_steps, self.rate)
        else:
            self.sigma = float(self.given_sigma)
        self.accountant = RDPAccountant(self.rate, self.sigma, self.delta_sgd)
        if self.accountant.epsilon(n_critic) > self.eps_sgd:
            raise ConfigError(f"noise_multiplier={self.sigma:g} spends epsilon {self.accountant.epsilon(n_critic):.3g} "
                              f"in one step, more than the {self.eps_sgd:.3g} left for training; raise it")
        self.stop = BudgetStop(self.accountant, self.eps_sgd, n_critic)
        return PoissonRows(data, cond_spans, self.rate)

    def marginals(self) -> Marginals:
        """The reference of the calibrated sampling: the surrogate's category shares, each pooled slot at the share
        its release holds. Categories only: the numeric summaries are coarser than G (calibration's docs)."""
        ref = Marginals.of(self.surrogate, {c: k for c, k in self.kinds.items() if k == "discrete"})
        for col, info in self.summary.released.items():
            if "pooled_share" in info:
                ref = ref.with_share(col, POOLED, info["pooled_share"])
        return ref

    def gan_kwargs(self) -> dict[str, Any]:
        return {"clip": self.clip, "sigma": self.sigma, "expected_batch": self.expected_batch,
                "accountant": self.accountant}

    def report(self) -> dict[str, Any]:
        """The ledger: the budget, each preprocessing step's share, DP-SGD's settings and spent epsilon."""
        spent_sgd = self.accountant.epsilon() if self.accountant else 0.0
        steps = [dict(e) for e in self.summary.ledger]
        steps.append({"step": "DP-SGD on the discriminator", "epsilon": spent_sgd, "delta": self.delta_sgd,
                      "how": f"{self.accountant.steps} steps, sample rate {self.rate:.4g}, noise multiplier "
                             f"{self.sigma:.4g}, clip {self.clip:g}, RDP accountant"})
        return {"epsilon": self.epsilon, "delta": self.delta, "delta_rule": self.delta_rule,
                "spent_epsilon": self.summary.epsilon + spent_sgd, "spent_delta": self.delta,
                "preprocessing_epsilon": self.summary.epsilon, "training_epsilon_budget": self.eps_sgd,
                "noise_multiplier": self.sigma, "sample_rate": self.rate, "max_grad_norm": self.clip,
                "private_steps": self.accountant.steps, "stopped_by_budget": self.stop.message,
                "released": self.summary.released, "steps": steps,
                "composition": "basic (epsilons and deltas add); DP-SGD by RDP of the sampled Gaussian mechanism",
                "public": "the schema (column names, dtypes), the number of rows, and any public metadata given"}
