"""Plain-words verdicts of the tabular report: thresholds, good and bad cases, the detection-DCR caveat."""

from __future__ import annotations

import pytest

from ganforge.tabular.verdicts import (
    detection_verdict,
    pair_verdict,
    privacy_verdict,
    shape_verdict,
    utility_verdict,
    verdicts,
)


def shape(mean, worst=("x", 0.7)):
    return {"mean": mean, "per_column": {"a": {"score": 0.99}, worst[0]: {"score": worst[1]}}}


def privacy(syn_median=1.0, hold_median=1.0, syn_p5=0.5, hold_p5=0.5, copies=(0.0, 0.0), mia=0.5):
    return {"dcr": {"synthetic_to_train": {"median": syn_median, "p5": syn_p5},
                    "holdout_to_train": {"median": hold_median, "p5": hold_p5}},
            "exact_copies": {"synthetic": copies[0], "holdout": copies[1]}, "membership_auc": mia}


@pytest.mark.parametrize("mean, level", [(0.95, "good"), (0.90, "good"), (0.85, "fair"), (0.6, "poor")])
def test_shape_levels_and_weakest_column(mean, level):
    v = shape_verdict(shape(mean, ("native-country", 0.55)))
    assert v.section == "columns" and v.level == level
    assert f"shape score {mean:.3f}" in v.text and "'native-country' (0.550)" in v.text


def test_pair_trends_name_the_weakest_pair_and_survive_no_pairs():
    pairs = {"mean": 0.7, "pairs": [{"columns": ["a", "b"], "score": 0.9},
                                    {"columns": ["a", "c"], "score": float("nan")},
                                    {"columns": ["b", "c"], "score": 0.5}]}
    v = pair_verdict(pairs)
    assert v.level == "poor" and "'b' ~ 'c' (0.500)" in v.text
    assert pair_verdict({"mean": float("nan"), "pairs": []}).text == "no pair of columns could be compared."


def test_pair_trends_are_poor_when_most_related_pairs_fall_below_the_shuffled_columns():
    def pairs(*scores):  # (synthetic, shuffled) per pair; the last pair holds no relation (shuffled 0.97)
        return {"mean": 0.95, "pairs": [{"columns": ["a", f"b{i}"], "score": s, "independent": i_}
                                        for i, (s, i_) in enumerate(scores)]}
    v = pair_verdict(pairs((0.80, 0.85), (0.70, 0.75), (0.90, 0.60), (0.99, 0.97)))
    assert v.level == "poor" and "only 1 of the 2 related" not in v.text and "only 1 of the 3 related" in v.text
    v = pair_verdict(pairs((0.90, 0.85), (0.70, 0.75), (0.90, 0.60), (0.90, 0.97)))
    assert v.level == "good" and "2 of the 3 related pairs score above" in v.text


def test_detection_the_issue_example():
    """AUC 0.999 with synthetic rows far from the training rows: not realistic, and the distances are no privacy."""
    v = detection_verdict({"auc": 0.999}, privacy(syn_median=2.5, hold_median=1.6))
    assert v.level == "poor"
    assert v.text == ("detection AUC 0.999: a classifier tells the synthetic rows apart almost always: the data is "
                      "not realistic yet; the large distances to closest record below are a sign of that, not of "
                      "privacy.")


@pytest.mark.parametrize("auc, level, words", [(0.52, "good", "hardly"), (0.7, "fair", "fairly often"),
                                               (0.9, "poor", "most of the time"), (0.97, "poor", "almost always")])
def test_detection_levels(auc, level, words):
    v = detection_verdict({"auc": auc}, privacy(syn_median=0.5, hold_median=1.0))
    assert v.level == level and words in v.text and "not of privacy" not in v.text


def test_utility_compares_synthetic_with_real():
    def util(syn, real, metric="f1"):
        return {"target": "income", "ml_efficacy": {"metric": metric, "synthetic": syn, "real": real}}

    assert utility_verdict(util(0.60, 0.62)).level == "good"
    assert "about as well as" in utility_verdict(util(0.60, 0.62)).text
    assert utility_verdict(util(0.50, 0.62)).level == "fair"
    bad = utility_verdict(util(0.11, 0.61))
    assert bad.level == "poor" and "much worse than" in bad.text and "mean f1 0.110 against 0.610" in bad.text
    assert utility_verdict(util(0.70, 0.65, "r2")).level == "good"  # better than real is fine too
    assert utility_verdict(util(float("nan"), 0.6)).level == "poor"


def test_privacy_cases():
    assert privacy_verdict(privacy()).level == "good"
    copied = privacy_verdict(privacy(copies=(0.30, 0.001)))
    assert copied.level == "poor" and "30.0% of the synthetic rows are exact copies" in copied.text
    assert privacy_verdict(privacy(copies=(0.005, 0.0))).level == "good"  # within the margin
    leaky = privacy_verdict(privacy(mia=0.72))
    assert leaky.level == "poor" and "gives away" in leaky.text
    close = privacy_verdict(privacy(syn_p5=0.1, hold_p5=0.5))
    assert close.level == "fair" and "closer to training rows" in close.text
    unrealistic = privacy_verdict(privacy(syn_median=2.5, hold_median=1.6), {"auc": 0.99})
    assert unrealistic.level == "fair" and "unrealistic rows rather than privacy" in unrealistic.text


def test_verdicts_cover_the_sections_present():
    result = {"fidelity": {"shape": shape(0.95), "pair_trends": {"mean": 0.95, "pairs": [
        {"columns": ["a", "x"], "score": 0.95}]}}}
    assert list(verdicts(result)) == ["columns", "pair trends"]
    result["fidelity"]["detection"] = {"auc": 0.5}
    result["utility"] = {"target": "t", "ml_efficacy": {"metric": "f1", "synthetic": 0.5, "real": 0.5}}
    result["privacy"] = privacy()
    said = verdicts(result)
    assert list(said) == ["columns", "pair trends", "detection", "utility", "privacy"]
    assert all(v.level == "good" for v in said.values())
    assert str(said["utility"]).startswith("utility: models trained on synthetic rows")
