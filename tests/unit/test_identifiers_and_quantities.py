"""Identifiers with check characters, and decimal strings that never pass through a float."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.errors import InvalidAmount, InvalidIdentifier
from registry.identifiers import (
    CREDIT_CODE_ALPHABET,
    mask_resident_id,
    validate_credit_code,
    validate_resident_id,
)
from registry.quantities import Money, Quantity, TooManyDecimals

GOOD_CODE = "91360100MA3ABCDE1C"


def test_the_design_example_credit_code_is_valid() -> None:
    assert validate_credit_code(GOOD_CODE) == GOOD_CODE


@given(st.integers(0, 17), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_changing_any_character_of_a_credit_code_invalidates_it(position: int, char: str) -> None:
    if GOOD_CODE[position] == char:
        return
    changed = GOOD_CODE[:position] + char + GOOD_CODE[position + 1 :]
    with pytest.raises(InvalidIdentifier):
        validate_credit_code(changed)


@pytest.mark.parametrize("code", ["", "91360100MA3ABCDE1", "91360100MA3ABCDEIC", "91360100ma3abcde1c"])
def test_malformed_credit_codes(code: str) -> None:
    with pytest.raises(InvalidIdentifier):
        validate_credit_code(code)


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "360102199003072394"])
def test_known_good_resident_ids(number: str) -> None:
    assert validate_resident_id(number) == number


@pytest.mark.parametrize(
    "number", ["110105194912310021", "11010519491231002", "440524188013010014", "36010219900307239X"]
)
def test_known_bad_resident_ids(number: str) -> None:
    with pytest.raises(InvalidIdentifier):
        validate_resident_id(number)


def test_resident_ids_are_masked() -> None:
    assert mask_resident_id("11010519491231002X") == "1101**********002X"


@given(st.integers(1, 2**53 - 1), st.integers(0, 6))
def test_quantities_round_trip_exactly(units: int, scale: int) -> None:
    assert Quantity.parse(str(Quantity(units, scale)), scale, field="q") == Quantity(units, scale)


@pytest.mark.parametrize(
    "text", ["1e3", "-1", "NaN", "Infinity", "0", "0.000", "1.2345", " 1", "1.", ".5", "01"]
)
def test_quantities_that_are_refused(text: str) -> None:
    with pytest.raises(InvalidAmount):
        Quantity.parse(text, 3, field="q")


def test_a_json_number_is_refused_with_the_field_named() -> None:
    with pytest.raises(InvalidAmount) as refused:
        Quantity.parse(12.5, 3, field="quantity")
    assert refused.value.field == "quantity"


@given(st.integers(-(2**53), 2**53))
def test_money_is_written_in_fen_and_read_back_exactly(fen: int) -> None:
    assert str(Money(fen)) == str(Quantity(fen, 2))
    assert Money.read(str(Money(fen))) == Money(fen)


def test_money_from_a_client_has_at_most_two_decimals() -> None:
    assert Money.parse("389.5", field="price") == Money(38950)
    with pytest.raises(TooManyDecimals) as refused:
        Money.parse("389.005", field="price")
    assert (refused.value.field, refused.value.facts) == ("price", {"amount": "389.005", "scale": 2})


def test_a_quantity_written_out_keeps_its_scale() -> None:
    assert Quantity.read(str(Quantity(1500, 3))) == Quantity(1500, 3)
    assert str(Quantity(1, 3) + Quantity(1499, 3)) == "1.500"
    with pytest.raises(ValueError):
        Quantity(1, 3) + Quantity(1, 0)


def test_a_quantity_from_a_client_has_at_most_its_scales_decimals() -> None:
    assert Quantity.parse("1.5", 3, field="quantity") == Quantity(1500, 3)
    with pytest.raises(TooManyDecimals) as refused:
        Quantity.parse("1.5", 0, field="quantity")
    assert (refused.value.field, refused.value.facts) == ("quantity", {"amount": "1.5", "scale": 0})
