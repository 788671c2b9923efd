"""What the wheel needs, checked without building it: every package and data file is declared."""

import fnmatch
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ganforge"

tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else pytest.importorskip("tomli")


def files() -> list[Path]:
    return [p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and not p.name.startswith(".") and p.suffix != ".pyc"]


def test_package_data_globs_cover_every_file_that_is_not_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = project["tool"]["setuptools"]["package-data"]["ganforge"]
    missing = [str(p.relative_to(PACKAGE)) for p in files() if p.suffix != ".py"
               and not any(fnmatch.fnmatch(str(p.relative_to(PACKAGE).as_posix()), g) for g in globs)]
    assert not missing, f"files the wheel would leave out (add them to package-data): {missing}"


def test_every_folder_with_python_is_a_package():
    folders = {p.parent for p in files() if p.suffix == ".py"}
    assert all((f / "__init__.py").is_file() for f in folders), [str(f) for f in folders]


def test_license_and_typing_marker():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert (PACKAGE / "py.typed").is_file()
