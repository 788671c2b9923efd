"""The public API: everything a user needs is reachable from ``ganforge`` and documented."""

import inspect

import pytest

import ganforge


@pytest.mark.parametrize("name", ganforge.__all__)
def test_every_public_name_resolves_and_is_documented(name):
    obj = getattr(ganforge, name)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        assert inspect.getdoc(obj), f"ganforge.{name} has no docstring"


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        ganforge.Nope  # noqa: B018
