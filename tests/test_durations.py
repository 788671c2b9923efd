import pytest

from ganforge.durations import format_duration, parse_duration
from ganforge.errors import ConfigError


@pytest.mark.parametrize("text, seconds", [(90, 90.0), ("90", 90.0), ("90s", 90.0), ("3m", 180.0),
                                           ("1h30m", 5400.0), ("2.5min", 150.0), (None, None)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "3 parsecs", "-5", "0", "1h30", True])
def test_parse_duration_rejects_nonsense_naming_what(text):
    with pytest.raises(ConfigError, match="train.time_budget"):
        parse_duration(text, "train.time_budget")


@pytest.mark.parametrize("seconds, text", [(4.25, "4.2 s"), (45, "45 s"), (270, "4m30s"), (3900, "1h05m")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
