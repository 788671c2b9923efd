"""Dates and times written as text: detected, modelled as times, written back in their format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganforge.data import DataError
from ganforge.tabular import TabularTransformer, detect_kind
from ganforge.data.tabular.datetimes import detect_format, parse_times
from ganforge.tabular.model import TabularGAN

N = 1500


def dated(n: int = N, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 855 * 86400, n) // 60 * 60, unit="s")
    day = np.array(t.normalize().strftime("%Y-%m-%d"), dtype=object)
    day[:20] = np.nan
    return pd.DataFrame({"day": day, "stamp": t.strftime("%Y-%m-%d %H:%M:%S"),
                         "eu": t.strftime("%d/%m/%Y"), "v": rng.normal(size=n)})


@pytest.mark.parametrize("values, fmt", [
    (["2021-03-05", "2021-12-31"], "%Y-%m-%d"),
    (["2021-03-05 14:22:00", "2021-03-06 01:00:59"], "%Y-%m-%d %H:%M:%S"),
    (["2021-03-05T14:22:00", None], "%Y-%m-%dT%H:%M:%S"),
    (["05/03/2021", "25/12/2021"], "%d/%m/%Y"),
    (["03/25/2021", "12/05/2021"], "%m/%d/%Y"),
    (["5 Mar 2021", "25 Dec 2021"], "%d %b %Y"),
    (["red", "2021-03-05"], None),
    (["12", "13"], None),
])
def test_detect_format(values, fmt):
    assert detect_format(pd.Series(values, dtype=object)) == fmt


def test_text_dates_are_detected_stated_and_written_back_in_their_format(tmp_path):
    df = dated()
    df.to_csv(tmp_path / "t.csv", index=False)
    from ganforge.tabular.io import read_table

    read = read_table(tmp_path / "t.csv")
    assert {c: detect_kind(read[c]) for c in ("day", "stamp", "eu")} == dict.fromkeys(("day", "stamp", "eu"), "datetime")
    t = TabularTransformer(n_jobs=1).fit(read)
    text = t.describe()
    assert "text as '%d/%m/%Y'" in text and "unit D" in text and "categories" not in text
    assert t.output_dim < 60  # mixtures (<= 10 modes a column), not hundreds of categories
    back = t.inverse_transform(t.transform(read))
    assert back["day"].isna().sum() == 20
    for col, fmt in (("day", "%Y-%m-%d"), ("stamp", "%Y-%m-%d %H:%M:%S"), ("eu", "%d/%m/%Y")):
        assert back[col].dtype == object
        parsed = pd.to_datetime(back[col], format=fmt)  # raises if one value is not in the format
        real = pd.to_datetime(read[col], format=fmt)
        assert parsed.min() >= real.min() and parsed.max() <= real.max()
    assert (back["stamp"] == read["stamp"]).mean() > 0.9  # the encoding is (nearly) lossless


def test_a_model_of_text_dates_is_small_and_lists_no_date(tmp_path):
    df = dated(600)
    model = TabularGAN(epochs=1, batch_size=100, latent_dim=8, generator_dims=(16, 16), discriminator_dims=(16, 16),
                       verbose=False, n_jobs=1, precision="fp32", device="cpu").fit(df)
    model.save(tmp_path / "m")
    meta = (tmp_path / "m" / "model.json").read_text()
    assert len(meta) < 30_000
    assert not [d for d in df["day"].dropna().unique() if d in meta]
    out = model.sample(300, seed=0)
    days = pd.to_datetime(out["day"], format="%Y-%m-%d")
    real = pd.to_datetime(df["day"], format="%Y-%m-%d")
    assert days.min() >= real.min() and days.max() <= real.max()
    assert pd.to_datetime(out["stamp"], format="%Y-%m-%d %H:%M:%S").notna().all()


def test_a_value_outside_the_format_names_the_column_and_row():
    with pytest.raises(DataError, match=r"column 'd' .* row 1 has 'soon'"):
        parse_times(pd.Series(["2021-03-05", "soon"]), "%Y-%m-%d", "d")
    t = TabularTransformer(n_jobs=1).fit(dated(200))
    bad = dated(200).assign(day="yesterday")
    with pytest.raises(DataError, match="'day'"):
        t.transform(bad)
