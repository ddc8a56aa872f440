"""The `int` route converter's regex accepts exactly 0 … 2^63 − 1; the JSON depth is measured without recursion."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from service.http.request_limits import INT64_MAX, Int64Converter, json_depth

ROUTE_INT = re.compile(Int64Converter.regex + r"\Z")


@given(st.integers(min_value=0, max_value=10**20))
def test_the_route_regex_accepts_exactly_the_int64_range(n: int) -> None:
    assert bool(ROUTE_INT.match(str(n))) == (n <= INT64_MAX)


def test_the_route_regex_at_the_boundary() -> None:
    for n in (0, 10**18 - 1, 10**18, INT64_MAX - 1, INT64_MAX, INT64_MAX + 1, 10**19 - 1, 10**19, 2**64):
        assert bool(ROUTE_INT.match(str(n))) == (n <= INT64_MAX), n
    assert not ROUTE_INT.match("9" * 5000)


def test_json_depth_counts_arrays_and_objects() -> None:
    assert json_depth(1) == 0
    assert json_depth({"a": [1, {"b": []}]}) == 4
    assert json_depth([[[]], []]) == 3


def test_json_depth_of_a_very_deep_value_stops_early_without_recursion() -> None:
    value: list[object] = []
    for _ in range(100_000):
        value = [value]
    assert json_depth(value) == 65  # stops once past the limit of 64
