"""Identifier columns: detection with a reason, fresh values of the same format, nothing real stored."""

from __future__ import annotations

import re
import uuid

import numpy as np
import pandas as pd
import pytest

from ganforge.data.tabular import identifiers
from ganforge.tabular.model import TabularGAN

TINY = dict(batch_size=100, latent_dim=8, generator_dims=(16, 16), discriminator_dims=(16, 16), verbose=False,
            n_jobs=1, max_modes=3, precision="fp32", device="cpu", epochs=1)
N = 2000


def id_table(n: int = N, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer": [f"C{i:06d}" for i in rng.permutation(n) + 1],
        "token": [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)],
        "email": [f"{rng.choice(['ann', 'bob', 'carla'])}.{rng.choice(['smith', 'jones'])}{i}@"
                  f"{rng.choice(['gmail.com', 'yahoo.fr', 'tiny-firm.example'], p=[0.6, 0.399, 0.001])}"
                  for i in range(n)],
        "phone": [f"+44 20 {rng.integers(1000, 9999)} {rng.integers(1000, 9999)}" for _ in range(n)],
        "row": np.arange(n) + 1,
        "city": rng.choice(["Paris", "Lyon", "Nice"], n),
        "amount": rng.normal(50, 10, n).round(2),
    })


FORMATS = {"customer": r"C\d{6}", "token": r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
           "email": r"[a-z]+\.[a-z]+\d+@[a-z.-]+", "phone": r"\+44 20 \d{4} \d{4}"}


@pytest.fixture(scope="module")
def table():
    return id_table()


@pytest.fixture(scope="module")
def fitted(table):
    return TabularGAN(seed=0, **TINY).fit(table)


def test_detection_names_the_format_and_the_reason(table):
    found = {c: identifiers.detect(table[c]) for c in table}
    assert found["customer"] == ("code", "2000 of 2000 values are distinct (100%)")
    assert found["token"][0] == "uuid" and found["email"][0] == "email" and found["phone"][0] == "phone"
    assert found["row"][0] == "integer" and "consecutive" in found["row"][1]
    assert found["city"] is None and found["amount"] is None
    ages = pd.Series(np.random.default_rng(0).integers(18, 90, N), name="age")
    assert identifiers.detect(ages) is None and identifiers.detect(table["customer"].iloc[:10]) is None


def test_the_column_table_states_identifiers_with_the_reason(fitted):
    text = fitted.transformer_.describe()
    line = next(x for x in text.splitlines() if x.startswith("email"))
    assert "identifier" in line and "e-mail addresses" in line and "fresh values" in line


def test_samples_have_the_format_are_distinct_and_never_real(fitted, table):
    out = fitted.sample(N, seed=1)
    for col, pattern in FORMATS.items():
        values = out[col]
        assert values.map(lambda v: re.fullmatch(pattern, v) is not None).all(), (col, values.head())
        assert values.is_unique, col
        assert not values.isin(table[col]).any(), col
    assert out["row"].is_unique and not out["row"].isin(table["row"]).any()
    assert pd.api.types.is_integer_dtype(out["row"].dtype)
    assert set(out["email"].str.split("@").str[1]) <= {"gmail.com", "yahoo.fr", "example.com"}


def test_the_model_folder_holds_no_real_identifier(fitted, table, tmp_path):
    fitted.save(tmp_path / "m")
    data = b"".join(p.read_bytes() for p in (tmp_path / "m").iterdir())
    for col in FORMATS:
        leaked = [v for v in table[col] if v.encode() in data]
        assert not leaked, (col, leaked[:3])
    assert b"tiny-firm" not in data  # a domain of fewer than 5 rows is not kept either
    assert len((tmp_path / "m" / "model.json").read_bytes()) < 50_000
    again = TabularGAN.load(tmp_path / "m").sample(50, seed=2)
    assert again["customer"].str.fullmatch(FORMATS["customer"]).all()


def test_identifiers_can_be_dropped_or_declared(table):
    model = TabularGAN(seed=0, identifiers="drop", **TINY).fit(table[["customer", "city", "amount"]])
    assert list(model.sample(20, seed=0).columns) == ["city", "amount"]
    assert "dropped" in model.transformer_.describe()
    cities = table[["city", "amount"]].assign(ref=table["city"] + "-x")  # not detected: three values
    model = TabularGAN(seed=0, **TINY).fit(cities, column_kinds={"ref": "identifier"})
    assert model.columns_["ref"] == "identifier"
    assert model.sample(30, seed=0)["ref"].is_unique


def test_random_codes_state_the_chance_of_a_real_one():
    rng = np.random.default_rng(0)
    s = pd.Series([f"{rng.integers(0, 10**4):04d}-X" for _ in range(N)], name="pin").drop_duplicates()
    spec = identifiers.learn(s, "code", "test", 5)
    assert 0 < spec["collision"] <= 1
    assert "chance one is a training value" in identifiers.describe(spec)
