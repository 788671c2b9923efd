"""The public API: the top level holds exactly the nouns the README lists, each resolves and is documented;
the rest lives in subpackages, and a name that moved there says where."""

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ganforge

README = Path(__file__).resolve().parents[1] / "README.md"


def documented_names() -> list[str]:
    section = re.search(r"### Public API\n(.*?)\n###", README.read_text(), re.S).group(1)
    rows = [line.split("|")[2] for line in section.splitlines() if line.startswith("| ") and "`" in line]
    return [name for row in rows for name in re.findall(r"`(\w+)`", row)]


def test_all_is_exactly_the_documented_list_of_about_twenty_nouns():
    assert sorted(ganforge.__all__) == sorted(documented_names())
    assert len(set(ganforge.__all__)) == len(ganforge.__all__) and 15 <= len(ganforge.__all__) <= 25


@pytest.mark.parametrize("name", ganforge.__all__)
def test_every_public_name_resolves_and_is_documented(name):
    obj = getattr(ganforge, name)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        assert inspect.getdoc(obj), f"ganforge.{name} has no docstring"


def test_an_unknown_name_is_an_attribute_error_and_a_moved_one_says_where():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        ganforge.Nope  # noqa: B018
    with pytest.raises(AttributeError, match="ganforge.ConditionalGAN is not at the top level: import it from "
                                             "ganforge.gans.conditional"):
        ganforge.ConditionalGAN  # noqa: B018
    from ganforge.gans.conditional import ConditionalGAN  # noqa: F401  (where it says)


def test_importing_ganforge_loads_no_torch():
    code = ("import sys, ganforge; ganforge.__all__; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'numpy', 'pandas', 'sklearn'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
