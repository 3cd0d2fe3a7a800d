"""Go duration strings, parsed and printed as Go does."""

from __future__ import annotations

import pytest

from roost.oauth2 import durations


@pytest.mark.parametrize(
    ("text", "ns", "canonical"),
    [("1h", 3_600_000_000_000, "1h0m0s"), ("30m", 1_800_000_000_000, "30m0s"),
     ("1.5s", 1_500_000_000, "1.5s"), ("100ms", 100_000_000, "100ms"), ("0s", 0, "0s"),
     ("720h", 2_592_000_000_000_000, "720h0m0s"), ("1h30m5s", 5_405_000_000_000, "1h30m5s")],
)  # fmt: skip
def test_go_durations(text: str, ns: int, canonical: str) -> None:
    assert durations.parse_ns(text) == ns
    assert durations.format_ns(ns) == canonical


@pytest.mark.parametrize("bad", ["", "1", "h", "1d", "1h-", "abc", "1.h2"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(ValueError):
        durations.parse_ns(bad)
