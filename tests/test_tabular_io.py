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
    assert df.shape == (2, 3) and df["col2"].tolist() == ["State-gov", "Private"] and df["col3"].isna().sum() == 1


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


# The first rows of UCI Adult's adult.data (CC BY 4.0): no header row, ", " between cells, '?' for missing.
ADULT = b"""39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K
50, Self-emp-not-inc, 83311, Bachelors, 13, Married-civ-spouse, Exec-managerial, Husband, White, Male, 0, 0, 13, United-States, <=50K
38, Private, 215646, HS-grad, 9, Divorced, Handlers-cleaners, Not-in-family, White, Male, 0, 0, 40, United-States, <=50K
53, Private, 234721, 11th, 7, Married-civ-spouse, Handlers-cleaners, Husband, Black, Male, 0, 0, 40, United-States, <=50K
28, Private, 338409, Bachelors, 13, Married-civ-spouse, Prof-specialty, Wife, Black, Female, 0, 0, 40, Cuba, <=50K
37, Private, 284582, Masters, 14, Married-civ-spouse, Exec-managerial, Wife, White, Female, 0, 0, 40, United-States, <=50K
54, ?, 180211, Some-college, 10, Married-civ-spouse, ?, Husband, Asian-Pac-Islander, Male, 0, 0, 60, South, >50K
"""
ADULT_NAMES = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
               "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country",
               "income"]


@pytest.fixture
def adult(tmp_path):
    path = tmp_path / "adult.data"
    path.write_bytes(ADULT)
    return path


def test_a_headerless_file_is_refused_with_the_way_out(adult):
    with pytest.raises(DataError, match="looks like data, not a header") as info:
        read_table(adult)
    assert "--no-header" in str(info.value) and "--names" in str(info.value) and "adult.data" in str(info.value)


def test_a_headerless_file_reads_with_names_or_without_a_header(adult):
    df = read_table(adult, names=ADULT_NAMES, na_values="?")
    assert list(df.columns) == ADULT_NAMES and len(df) == 7 and df["age"].tolist()[:2] == [39, 50]
    assert df["workclass"].isna().tolist() == [False] * 6 + [True]
    plain = read_table(adult, header=None, na_values="?")
    assert list(plain.columns) == [f"col{i}" for i in range(1, 16)] and plain["col1"].iloc[0] == 39
    with pytest.raises(DataError, match="3 names given for a table of 15 columns"):
        read_table(adult, names=["a", "b", "c"])


def test_a_first_row_that_repeats_the_names_is_their_header(adult, tmp_path):
    df = read_table(adult, names=ADULT_NAMES, na_values="?")
    write_table(df, tmp_path / "written.csv")
    back = read_table(tmp_path / "written.csv", names=ADULT_NAMES, na_values="?")
    assert back.equals(df)


@pytest.mark.parametrize("content", [b"2019,2020\n1,2\n3,4\n", b"1.5,x\n2.5,y\n3.5,x\n"])
def test_numbers_for_names_need_header_0(tmp_path, content):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match="looks like data"):
        read_table(path)
    assert len(read_table(path, header=0)) == 2


@pytest.mark.parametrize("content", [b"country,2019,2020\nFrance,1.5,2.5\nItaly,3.1,4.2\n",
                                     b"age,city\n40,Paris\n35,Nice\n", b"city,kind\nParis,big\nNice,small\n"])
def test_real_headers_are_not_flagged(tmp_path, content):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert list(read_table(path).columns) == content.split(b"\n")[0].decode().split(",")


def test_a_marker_category_gets_a_warning_naming_na_values(adult):
    from ganforge.tabular.io import TableWarning

    with pytest.warns(TableWarning, match=r"'\?' in workclass, occupation.*--na-values '\?'"):
        df = read_table(adult, names=ADULT_NAMES)
    assert (df["workclass"] == "?").sum() == 1


def test_na_values_replace_pandas_markers(tmp_path):
    path = tmp_path / "countries.csv"
    path.write_bytes(b"country,x\nNA,1\nFR,?\n?,3\nNA,\n")  # NA is Namibia
    df = read_table(path, na_values=["?"])
    assert df["country"].tolist()[:2] == ["NA", "FR"] and pd.isna(df["country"].iloc[2])
    assert df["x"].isna().tolist() == [False, True, False, True]  # '?' and the empty cell
    assert df["country"].iloc[3] == "NA"
    with pytest.warns(UserWarning, match="missing-value markers"):
        assert read_table(path)["country"].isna().sum() == 2  # pandas' defaults: Namibia is lost


def test_escape_formulas_only_in_text_cells(tmp_path):
    from ganforge.tabular.io import escape_formulas

    df = pd.DataFrame({"=name": ["=1+2", "+cmd", "-x", "@SUM(A1)", "-3.5", "plain", "\tx", None],
                       "n": [-3.5, 1.0, 2.0, -1.0, 0.0, 4.0, 5.0, 6.0]})
    write_table(df, tmp_path / "escaped.csv", escape_formulas=True)
    text = (tmp_path / "escaped.csv").read_text()
    back = pd.read_csv(tmp_path / "escaped.csv", keep_default_na=False)
    assert list(back.columns) == ["'=name", "n"]
    assert back["'=name"].tolist() == ["'=1+2", "'+cmd", "'-x", "'@SUM(A1)", "-3.5", "plain", "'\tx", ""]
    assert back["n"].tolist() == df["n"].tolist() and "-3.5," in text  # numbers stay numbers
    write_table(df, tmp_path / "raw.csv")  # off by default: the cells are data
    assert pd.read_csv(tmp_path / "raw.csv")["=name"].iloc[0] == "=1+2"
    assert escape_formulas(-3) == -3 and escape_formulas("=x") == "'=x"
