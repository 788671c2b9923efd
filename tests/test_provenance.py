"""ganforge.provenance: the version and git commit, and the three outputs that carry them (run.json,
a tabular model.json, a tabular report.json)."""

import json
import shutil
import subprocess

import pytest

import ganforge
from ganforge.provenance import git_commit, provenance
from ganforge.tabular import TabularGAN, tabular_report
from test_tabular_model import TINY, small_table
from test_trainer import make_trainer

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _repo_with_package(root):
    """A git repository at ``root`` holding a committed ``ganforge/`` folder; returns its commit."""
    (root / "ganforge").mkdir(parents=True)
    (root / "ganforge" / "__init__.py").write_text("")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


@needs_git
def test_git_commit_of_a_source_checkout(tmp_path):
    commit = _repo_with_package(tmp_path / "src")
    assert len(commit) == 40 and git_commit(tmp_path / "src" / "ganforge") == commit


@needs_git
def test_no_git_commit_outside_ganforges_own_checkout(tmp_path):
    _repo_with_package(tmp_path / "project")
    installed = tmp_path / "project" / ".venv" / "site-packages" / "ganforge"  # a wheel inside another repo
    installed.mkdir(parents=True)
    assert git_commit(installed) is None
    (tmp_path / "plain" / "ganforge").mkdir(parents=True)  # no repository at all
    assert git_commit(tmp_path / "plain" / "ganforge") is None


def test_no_git_commit_without_git(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no git executable to be found
    assert git_commit(tmp_path) is None


def test_provenance_names_the_version():
    info = provenance()
    assert info["ganforge"] == ganforge.__version__ and set(info) <= {"ganforge", "git_commit"}


def test_run_json_holds_the_provenance(tmp_path):
    make_trainer(tmp_path / "r", steps=2).fit()
    start = json.loads((tmp_path / "r" / "run.json").read_text())["starts"][0]
    assert {k: start.get(k) for k in provenance()} == provenance()


def test_model_json_holds_the_provenance_and_the_precision_choice(tmp_path):
    model = TabularGAN(epochs=1, **{**TINY, "precision": "auto"}).fit(small_table(120))
    training = json.loads((model.save(tmp_path / "m") / "model.json").read_text())["training"]
    assert {k: training.get(k) for k in provenance()} == provenance()
    assert training["precision"] in ("float32", "bfloat16")
    assert training["precision_reason"].startswith("bf16: " if training["precision"] == "bfloat16" else "fp32: ")
    assert TabularGAN.load(tmp_path / "m").training_["precision_reason"] == training["precision_reason"]


def test_report_json_holds_the_provenance(tmp_path):
    from ganforge.tabular.report import write_json

    real = small_table(120)
    result = tabular_report(real, small_table(120, seed=1), detection_model=None)
    saved = json.loads(write_json(result, tmp_path / "report.json").read_text())
    assert {k: saved.get(k) for k in provenance()} == provenance()
