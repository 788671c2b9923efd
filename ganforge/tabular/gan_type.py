"""The tabular GAN as a GAN type: ``gan.kind: tabular`` trains the CTGAN-class GAN of
:class:`~ganforge.tabular.TabularGAN` from a config, through the same run machinery as every other type::

    data: {source: adult.csv}
    gan: {kind: tabular, loss: wasserstein, penalty: gradient_penalty}
    train: {batch_size: 500, lr_g: 2e-4, lr_d: 2e-4, betas: [0.5, 0.9], ema: 0.995}
    tabular: {discrete_columns: "workclass,education", hidden: 256, depth: 2}

The type reads the table (CSV/TSV/Parquet, :func:`ganforge.tabular.io.read_table`), fits the transformer
(seeded by ``train.seed``) and trains on :class:`~ganforge.data.tabular.sampler.ConditionalRows`; the
checkpoint's metadata holds the fitted transformer, so :func:`ganforge.runs.load_run` rebuilds the GAN with
``gan.transformer`` to turn its samples back into a table (``transformer.inverse_transform``).
Its rules are checked here, in one place; the generic ones (``train.batch_size`` a multiple of ``gan.pack``)
in ``config.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

from ganforge.errors import ConfigError
from ganforge.registry import GAN_TYPES, GANType

__all__ = ["TabularSection"]

DISCRETE = ("gumbel", "straight_through", "argmax")  # ganforge.gans.tabular.DISCRETE_MODES, without torch


@dataclass
class TabularSection:
    """``tabular:`` -- the tabular GAN's own settings (the adversarial ones are ``gan.*``, training ``train.*``)."""

    discrete_columns: str = ""  # comma-separated; others are detected
    discrete: str = "gumbel"  # how G makes one-hot blocks: gumbel, straight_through or argmax
    tau: float = 0.2  # Gumbel-softmax temperature
    condition_weight: float = 1.0  # weight of the conditional cross-entropy in G's loss
    log_frequency: bool = True  # draw training conditions by log-frequency (CTGAN)
    hidden: int = 256  # units of each hidden layer of G and D
    depth: int = 2  # hidden layers of G and D
    dropout: float = 0.0  # dropout in D's hidden layers
    max_modes: int = 10  # mixture modes per continuous column
    max_categories: int = 1000
    min_category_count: int = 5  # rarer categories are pooled into "other"
    fit_rows: Optional[int] = 10_000  # rows the transformer fits its mixtures on (None: all)
    identifiers: str = "generate"  # generate or drop identifier columns


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _section(config: Any) -> TabularSection:
    return config.sections.get("tabular") or TabularSection()


def _check(config: Any, warn: bool) -> None:
    t, g = _section(config), config.gan
    _require(t.discrete in DISCRETE, f"tabular.discrete must be one of {', '.join(DISCRETE)}; got {t.discrete!r}")
    _require(t.identifiers in ("generate", "drop"), f"tabular.identifiers must be generate or drop; got {t.identifiers!r}")
    for key, value in [("tabular.hidden", t.hidden), ("tabular.depth", t.depth), ("tabular.max_modes", t.max_modes),
                       ("tabular.min_category_count", t.min_category_count)]:
        _require(value >= 1, f"{key} must be >= 1; got {value}")
    _require(t.max_categories >= 2, f"tabular.max_categories must be >= 2; got {t.max_categories}")
    _require(t.fit_rows is None or t.fit_rows >= 2, f"tabular.fit_rows must be >= 2; got {t.fit_rows}")
    _require(t.tau > 0, f"tabular.tau must be > 0; got {t.tau}")
    _require(t.condition_weight >= 0, f"tabular.condition_weight must be >= 0; got {t.condition_weight}")
    _require(0 <= t.dropout < 1, f"tabular.dropout must be in [0, 1); got {t.dropout}")
    _require(config.train.batch_size >= 2,
             "train.batch_size must be at least 2 (the generator's batch normalisation needs two rows)")
    _require(g.num_classes is None, "gan.num_classes does not apply to gan.kind=tabular (it conditions on columns)")
    _require(not g.augment, "gan.augment does not apply to gan.kind=tabular (DiffAugment transforms images)")
    _require(not g.mode_seeking, "gan.mode_seeking does not apply to gan.kind=tabular")


def _load(config: Any) -> Any:
    """Read the table, fit the transformer, and return the rows to train on (with their ``transformer``)."""
    import torch

    from ganforge.data.tabular.sampler import ConditionalRows
    from ganforge.data.tabular.transformer import TabularTransformer
    from ganforge.tabular.io import read_table

    t = _section(config)
    df = read_table(config.data.source)
    transformer = TabularTransformer(max_modes=t.max_modes, max_categories=t.max_categories, fit_rows=t.fit_rows,
                                     n_jobs=1, seed=config.train.seed, min_category_count=t.min_category_count,
                                     identifiers=t.identifiers)
    columns = [c.strip() for c in t.discrete_columns.split(",") if c.strip()]
    with torch.random.fork_rng(devices=[]):  # fitting draws nothing from the run's random state
        transformer.fit(df, discrete_columns=columns or None)
    rows = ConditionalRows(transformer.transform(df), [(s.start, s.width) for s in transformer.condition_spans()],
                           log_frequency=t.log_frequency)
    rows.name, rows.transformer = Path(config.data.source).name, transformer
    return rows


def _metadata(config: Any, rows: Any) -> dict[str, Any]:
    from ganforge.gans.tabular import condition_frequencies
    from ganforge.io import to_plain

    spans = [(s.start, s.width) for s in rows.transformer.condition_spans()]
    return {"sample_shape": list(rows.sample_shape), "transformer": to_plain(rows.transformer.to_dict()),
            "condition_freqs": condition_frequencies(rows.data, spans)}


def _build(config: Any, metadata: Mapping[str, Any]) -> Any:
    from ganforge.data.tabular.transformer import TabularTransformer
    from ganforge.gans.tabular import ConditionalTabularGAN
    from ganforge.gans.types import gan_options
    from ganforge.nets.tabular import TabularDiscriminator, TabularGenerator

    t, latent_dim = _section(config), config.model.latent_dim
    if "transformer" not in metadata:
        raise ConfigError("gan.kind=tabular is built from a table's fitted transformer (the run's checkpoint keeps "
                          "it); train it from a config whose data.source is a table")
    transformer = TabularTransformer.from_dict(metadata["transformer"])
    condition = [(s.start, s.width) for s in transformer.condition_spans()]
    cond_dim, dim, hidden = sum(w for _, w in condition), transformer.output_dim, (t.hidden,) * t.depth
    gan = ConditionalTabularGAN(
        TabularGenerator(latent_dim, cond_dim, dim, hidden),
        TabularDiscriminator(dim + cond_dim, config.gan.pack, hidden, t.dropout),
        [(s.start, s.width, s.activation) for s in transformer.spans], condition, metadata["condition_freqs"],
        latent_dim, discrete=t.discrete, tau=t.tau, condition_weight=t.condition_weight, **gan_options(config))
    gan.transformer = transformer  # turns samples back into a table: gan.transformer.inverse_transform(x)
    return gan


def _example(folder: Path) -> dict[str, Any]:
    """A 60-row table and a tiny config that trains on it in a fraction of a second."""
    import numpy as np
    import pandas as pd

    g = np.random.default_rng(0)
    path = Path(folder) / "table.csv"
    pd.DataFrame({"x": g.normal(size=60).round(3), "c": g.choice(["a", "b", "c"], 60)}).to_csv(path, index=False)
    return {"name": "tiny-table", "data": {"source": str(path)}, "model": {"latent_dim": 8},
            "gan": {"kind": "tabular", "loss": "wasserstein", "penalty": "gradient_penalty"},
            "train": {"steps": 6, "batch_size": 20, "log_every": 2, "sample_every": 3, "checkpoint_every": 3,
                      "progress": False, "tensorboard": False},
            "tabular": {"hidden": 8, "depth": 1, "max_modes": 2, "min_category_count": 1}}


GAN_TYPES.register("tabular", GANType(
    build=_build, check=_check, load=_load, metadata=_metadata, section=TabularSection, example=_example,
    description="CTGAN-class conditional GAN for a table (training-by-sampling, PacGAN critic)"))
