"""Property tests of the value coercions: whatever is typed, the reader returns a value or a stated problem."""

from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st

from perftool.definitions.types import TYPES
from perftool.read.coerce import PLACEHOLDERS, coerce

ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(max_size=40), st.dates(), st.datetimes())
FULL_WIDTH = {ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789.,%-"}


@settings(max_examples=300)
@given(raw=ANYTHING, type_name=st.sampled_from(sorted(TYPES)))
def test_never_raises_and_a_problem_means_blank(raw, type_name):
    result = coerce(raw, type_name, ("是", "否"))
    if result.problem:
        assert result.value is None
    if TYPES[type_name].numeric and result.value is not None:
        assert isinstance(result.value, float) and math.isfinite(result.value)


@given(x=st.decimals(min_value=-10**9, max_value=10**9, places=2))
def test_thousands_separators_read_as_the_number(x):
    text = f"{x:,.2f}"
    result = coerce(text, "amount")
    assert result.value == float(f"{x:.2f}") and result.problem is None
    assert result.change and text in result.change  # the coercion is reported with what was typed


@given(x=st.decimals(min_value=0, max_value=10**7, places=2))
def test_full_width_digits_read_like_ascii(x):
    text = f"{x:,.2f}"
    assert coerce(text.translate(FULL_WIDTH), "amount").value == coerce(text, "amount").value


@given(p=st.decimals(min_value=0, max_value=1000, places=2))
def test_percent_text_is_a_rate(p):
    result = coerce(f"{p}%", "percent")
    assert math.isclose(result.value, float(p) / 100) and "按比率" in result.change
    assert coerce(f"{p}%", "amount").problem  # a percentage is not an amount


@given(placeholder=st.sampled_from(sorted(PLACEHOLDERS)), pad=st.sampled_from(["", " ", "\u3000"]))
def test_placeholders_are_blank_with_a_notice(placeholder, pad):
    for type_name in ("amount", "percent", "count", "date", "choice"):
        result = coerce(pad + placeholder + pad, type_name, ("是", "否"))
        assert result.value is None and result.problem is None and result.change


@given(n=st.integers(min_value=0, max_value=10**6), frac=st.integers(min_value=1, max_value=99))
def test_counts_must_be_whole(n, frac):
    assert coerce(n, "count").value == n
    assert coerce(f"{n}.{frac:02d}", "count").problem
