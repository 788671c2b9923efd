"""The report page draws what the data is: the SVG's bars against the frequencies, labels, heat map, provenance."""

from __future__ import annotations

import argparse
import json
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

import ganforge
from ganforge.data import DataError
from ganforge.tabular.cli import add_report_command
from ganforge.tabular.report import Report, tabular_report
from ganforge.tabular.report_html import ANGLE, FONT, render_html

NS = "{http://www.w3.org/2000/svg}"


def svg(page: str, label: str) -> ET.Element:
    """The SVG element whose aria-label is ``label``, parsed as XML."""
    m = re.search(r'<svg [^>]*aria-label="' + re.escape(label) + r'">.*?</svg>', page, re.S)
    assert m, f"no plot {label!r}"
    return ET.fromstring(m.group(0))


def bars(root: ET.Element, cls: str) -> list[ET.Element]:
    return [r for r in root.iter(NS + "rect") if r.get("class") == cls]


def heights(rects) -> np.ndarray:
    return np.array([float(r.get("height")) for r in rects])


def report_page(real: pd.DataFrame, syn: pd.DataFrame, **kwargs) -> str:
    return tabular_report(real, syn, detection_model=None, **kwargs).to_html()


def test_histogram_has_a_bar_per_bin_with_heights_of_the_frequencies():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.gamma(2.0, 1.5, 3000), "c": rng.choice(["a", "b"], 3000)})
    syn = pd.DataFrame({"x": rng.gamma(2.5, 1.2, 2000), "c": rng.choice(["a", "b"], 2000)})
    root = svg(report_page(real, syn), "x")
    real_bars = bars(root, "real")
    assert len(real_bars) == 40  # today's code drew 2: one per axis label
    edges = np.linspace(real.x.min(), real.x.max(), 41)
    fr = np.histogram(real.x, edges)[0] / len(real)
    inside = syn.x[(syn.x >= edges[0]) & (syn.x <= edges[-1])]
    fs = np.histogram(inside, edges)[0] / len(syn)
    peak = max(fr.max(), fs.max())
    h = heights(real_bars)
    plot_h = h.max() / (fr.max() / peak)  # the height of the plot area
    np.testing.assert_allclose(h / plot_h, fr / peak, atol=0.01)
    xs = [float(r.get("x")) for r in real_bars]
    assert np.all(np.diff(xs) > 0)  # side by side, left to right
    # the synthetic step line: two points per bin at the bin's frequency
    pts = np.array([[float(v) for v in p.split(",")] for p in root.find(NS + "polyline").get("points").split()])
    assert len(pts) == 80
    base = float(real_bars[0].get("y")) + float(real_bars[0].get("height"))
    np.testing.assert_allclose((base - pts[::2, 1]) / plot_h, fs / peak, atol=0.01)


def test_integer_histogram_has_one_bar_per_value():
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"k": rng.integers(0, 10, 500), "c": rng.choice(["a", "b"], 500)})
    syn = pd.DataFrame({"k": rng.integers(2, 12, 500), "c": rng.choice(["a", "b"], 500)})  # 10, 11 outside
    page = report_page(real, syn, column_kinds={"k": "integer"})
    h = heights(bars(svg(page, "k"), "real"))
    freq = np.bincount(real.k, minlength=10) / len(real)
    assert len(h) == 10
    np.testing.assert_allclose(h / h.max(), freq / freq.max(), atol=0.01)
    outside = np.isin(syn.k, [10, 11]).mean()
    assert f"{outside:.1%} of the synthetic values lie outside the real range" in page


def test_many_categories_top_k_rotated_rest_in_a_tooltip():
    rng = np.random.default_rng(2)
    names = [f"a rather long category name {i:02d}" for i in range(30)]
    p = np.linspace(2, 1, 30) / np.linspace(2, 1, 30).sum()
    real = pd.DataFrame({"cat": rng.choice(names, 3000, p=p), "x": rng.normal(size=3000)})
    syn = pd.DataFrame({"cat": rng.choice(names, 3000), "x": rng.normal(size=3000)})
    root = svg(report_page(real, syn), "cat")
    real_bars, syn_bars = bars(root, "real"), bars(root, "syn")
    assert len(real_bars) == len(syn_bars) == 13  # the 12 most frequent + "other"
    freq = real.cat.value_counts(normalize=True)
    top = freq.iloc[:12].to_numpy()
    other = freq.iloc[12:].sum()
    h = heights(real_bars)
    np.testing.assert_allclose(h / h[0], np.r_[top, other] / top[0], atol=0.01)
    labels = [t for t in root.iter(NS + "text") if t.get("class") == "label"]
    assert len(labels) == 13
    centres = [float(t.get("x")) for t in labels]
    spacing = min(np.diff(centres))
    for t in labels:  # rotated, and rotated lines lie further apart than a line is high
        assert re.fullmatch(rf"rotate\(-{ANGLE},[\d.]+,[\d.]+\)", t.get("transform"))
    assert spacing * math.sin(math.radians(ANGLE)) >= FONT * 1.2
    assert labels[-1].text == "other (18)"
    tip = [g.find(NS + "title").text for g in root.iter(NS + "g")][-1]
    rest = set(freq.index[12:])
    assert all(name in tip for name in rest) and "18 less frequent categories" in tip


def test_few_short_categories_stand_side_by_side_without_overlap():
    real = pd.DataFrame({"s": ["M", "F", "F", "X"] * 50, "x": np.arange(200.0)})
    root = svg(report_page(real, real.copy()), "s")
    labels = [t for t in root.iter(NS + "text") if t.get("class") == "label"]
    assert [t.text for t in labels] == ["F", "M", "X"] and all(t.get("transform") is None for t in labels)
    spacing = min(np.diff([float(t.get("x")) for t in labels]))
    assert max(len(t.text) for t in labels) * 0.6 * FONT < spacing


def test_heat_map_shows_its_numbers_and_axis_title():
    rng = np.random.default_rng(3)
    x = rng.normal(size=800)
    real = pd.DataFrame({"x": x, "y": x + rng.normal(0, 0.3, 800), "c": np.where(x > 0, "p", "n")})
    syn = pd.DataFrame({"x": x, "y": rng.normal(size=800), "c": rng.choice(["p", "n"], 800)})
    result = tabular_report(real, syn, detection_model=None)
    root = svg(result.to_html(), "pair-trend gap heat map")
    values = [t.text for t in root.iter(NS + "text") if t.get("class") == "value"]
    expected = [f"{1 - p['score']:.2f}" for p in result["fidelity"]["pair_trends"]["pairs"]]
    assert sorted(values) == sorted(expected) and len(values) == 3
    assert any(t.get("class") == "axis-title" and "pair-trend score" in t.text for t in root.iter(NS + "text"))


def test_report_object_shows_itself_and_is_still_the_dict(tmp_path):
    rng = np.random.default_rng(4)
    real = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)})
    rep = tabular_report(real, real.sample(frac=1, random_state=0), detection_model="logistic", seed=3)
    assert isinstance(rep, Report) and isinstance(rep, dict) and rep.scores == dict(rep)
    assert rep["fidelity"]["shape"]["mean"] == pytest.approx(1.0)
    json.dumps(rep)  # as JSON-ready as the dict it was
    fragment = rep._repr_html_()
    assert fragment.startswith("<div class='gfr'>") and "<html" not in fragment and "<svg" in fragment
    assert "body{" not in fragment.split("</style>")[0]  # its style cannot restyle a notebook
    assert rep.to_html().startswith("<!DOCTYPE html>")
    assert "shape score" in str(rep) and set(rep.verdicts) == {"columns", "pair trends", "detection"}
    json_path, html_path = rep.save(tmp_path / "out")
    assert json.loads(json_path.read_text())["seed"] == 3 and "<svg" in html_path.read_text()
    for shown in (ganforge.__version__, rep.provenance["date"], "seed"):
        assert shown in fragment
    assert ganforge.tabular_report is tabular_report


def run_command(argv):
    parser = argparse.ArgumentParser()
    add_report_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_command_puts_provenance_on_the_page(tmp_path, capsys):
    rng = np.random.default_rng(5)
    t = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b"], 200)})
    t.to_csv(tmp_path / "real.csv", index=False)
    t.sample(frac=1, random_state=1).to_csv(tmp_path / "syn.csv", index=False)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.json").write_text(json.dumps({"params": {"seed": 7}}))
    out = tmp_path / "rep"
    assert run_command(["report", str(tmp_path / "real.csv"), str(tmp_path / "syn.csv"), "--model",
                        str(tmp_path / "model"), "--seed", "11", "--detection-model", "logistic",
                        "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    prov = page[page.index("<table class='prov'>"):]
    prov = prov[:prov.index("</table>")]
    for row in (("real table", tmp_path / "real.csv"), ("synthetic table", tmp_path / "syn.csv"),
                ("model folder", tmp_path / "model"), ("model seed", 7), ("seed", 11),
                ("ganforge version", ganforge.__version__)):
        assert f"<td>{row[0]}</td><td>{row[1]}</td>" in prov
    assert re.search(r"<td>date</td><td>\d{4}-\d\d-\d\d \d\d:\d\d", prov)
    with pytest.raises(DataError, match="--model .*nothere: not a ganforge model folder"):
        run_command(["report", str(tmp_path / "real.csv"), str(tmp_path / "syn.csv"), "--model",
                     str(tmp_path / "nothere"), "--out", str(tmp_path / "rep2")])
    assert not (tmp_path / "rep2").exists()


def test_page_without_provenance_still_renders():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 10, "c": ["a", "b"] * 20})
    rep = tabular_report(real, real.copy(), detection_model=None)
    page = render_html(dict(rep), real, real)
    assert "<table class='prov'>" not in page and page.count("<svg") == 3
