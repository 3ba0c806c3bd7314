"""Amounts as people type them: a decimal comma is a decimal mark, thousands may be grouped, and
what could be read two ways is refused with a question, never guessed (a signed amount cannot
be corrected once it has spread)."""
from __future__ import annotations

import pytest

from node.field_input import InputError, parse_money


@pytest.mark.parametrize("typed, cents", [
    ("1500", 150_000),
    ("12.50", 1250),
    ("12,50", 1250),  # the French dashboard's own example
    ("10,5", 1050),
    ("0.5", 50),
    (",5", 50),
    ("1,500", 150_000),  # thousands, as English writes them
    ("1,500,000", 150_000_000),
    ("1.500.000", 150_000_000),
    ("1,500.50", 150_050),
    ("1.500,50", 150_050),
    ("1 500,50", 150_050),
    ("1\u202f500,50", 150_050),  # a narrow no-break space, as French formatting puts between thousands
    ("1'500", 150_000),
    (" 7 ", 700),
])
def test_an_amount_is_read_as_its_writer_meant_it(typed: str, cents: int) -> None:
    assert parse_money(typed) == cents


@pytest.mark.parametrize("typed, said", [
    ("1.500", "'1.500' has more than two decimals, or is it 1500? Write 1500 for thousands"),
    ("12.505", "'12.505' has more than two decimals, or is it 12505?"),
    ("12,5050", "'12,5050' has more than two decimals"),
    ("1,500,50", "'1,500,50' is not an amount; write it like 1500 or 12.50"),
    ("1.500,500", "is not an amount"),
    ("12,", "is not an amount"),
    ("1e3", "is not an amount"),
    ("NaN", "is not an amount"),
    ("", "is not an amount"),
    ("9" * 5000, "is not an amount"),  # not a ValueError from int()'s digit limit
])
def test_an_amount_that_could_be_read_two_ways_or_not_at_all_is_refused(typed: str, said: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_money(typed)
    assert said in str(refused.value)


@pytest.mark.parametrize("typed", ["0,500", "0.500.000", "00,250", "0.001"])
def test_a_fraction_with_three_decimals_is_not_read_as_thousands(typed: str) -> None:
    """'0,500' (half a euro, written with three decimals) was read as 500 EUR: a first group of
    zeros is no thousands grouping. The refusal asks no "or is it 0500?": nobody writes thousands so."""
    with pytest.raises(InputError) as refused:
        parse_money(typed)
    said = str(refused.value)
    assert "or is it" not in said and "Write 0" not in said, said
    assert "more than two decimals" in said or "is not an amount" in said, said


@pytest.mark.parametrize("typed", ["0.500,50", "0,500.50", "00,250.10"])
def test_a_first_group_of_zeros_before_decimals_is_not_read_as_thousands(typed: str) -> None:
    """'0.500,50' and '0,500.50' were read as 500.50: the rule that thousands never begin with a group
    of zeros held for whole amounts only, not for a grouped amount with decimals."""
    with pytest.raises(InputError, match="is not an amount|more than two decimals"):
        parse_money(typed)
