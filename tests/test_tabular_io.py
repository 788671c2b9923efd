"""Reading and writing tables: round trips and clear errors naming the file."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from ganforge.data import DataError
from ganforge.tabular.io import read_table, write_table


def small() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None], "c": [0.5, np.nan, 2.0]})


@pytest.mark.parametrize("name", ["t.csv", "t.csv.gz", "t.tsv"])
def test_round_trip(tmp_path, name):
    df = small()
    write_table(df, tmp_path / name)
    back = read_table(tmp_path / name)
    assert list(back.columns) == ["a", "b", "c"] and back["a"].tolist() == [1, 2, 3]
    assert back["b"].isna().tolist() == [False, False, True] and back["c"].isna().sum() == 1


def test_adult_style_file(tmp_path):
    p = tmp_path / "adult.data.gz"
    p.write_bytes(gzip.compress(b"39, State-gov, ?\n50, Private, 13\n"))
    df = read_table(p, header=None, na_values="?")
    assert df.shape == (2, 3) and df[1].tolist() == ["State-gov", "Private"] and df[2].isna().sum() == 1


def test_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    write_table(small(), tmp_path / "t.parquet")
    assert read_table(tmp_path / "t.parquet")["a"].tolist() == [1, 2, 3]


@pytest.mark.parametrize("name, content, match", [
    ("none.csv", None, "no such file"),
    ("empty.csv", b"", "empty"),
    ("header.csv", b"a,b\n", "no rows"),
    ("blank.csv", b"\n\n", "no table"),
    ("bin.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
    ("pic.png", b"\x89PNG", "unsupported file type '.png'"),
    ("ragged.csv", b"a,b\n1,2\n3,4,5,6\n", "cannot be parsed"),
    ("bad.parquet", b"not parquet at all", "Parquet"),
])
def test_bad_files(tmp_path, name, content, match):
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(DataError, match=match) as info:
        read_table(p)
    assert name in str(info.value)


def test_folder(tmp_path):
    with pytest.raises(DataError, match="folder"):
        read_table(tmp_path)
