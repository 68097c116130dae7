"""The rules of a listing's fields, without a database: prices per kind, swaps, quartiers, titles."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.errors import InvalidInput
from marketplace.listings.models import ListingKind
from marketplace.listings.rules import (
    ListingFields,
    check_exchange,
    check_pickup_area,
    check_price,
    clean_listing,
    price_to_cents,
)


@pytest.mark.parametrize(
    ("value", "cents"),
    [(0, 0), (12, 1200), (12.5, 1250), ("12,50", 1250), ("0.99", 99), ("100000", 10_000_000), ("8 €", 800)],
)
def test_prices_in_euros_become_cents(value: Any, cents: int) -> None:
    assert price_to_cents(value) == cents


@pytest.mark.parametrize("value", [-1, "100000.01", "12.345", "douze", "nan", "inf", True])
def test_impossible_prices_are_refused_naming_the_price(value: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        price_to_cents(value)
    assert refused.value.field == "price"


@pytest.mark.parametrize(
    ("kind", "price", "cents"),
    [
        (ListingKind.SELL, 0, 0),
        (ListingKind.SELL, "5", 500),
        (ListingKind.GIVE, None, None),
        (ListingKind.GIVE, "", None),
        (ListingKind.SWAP, None, None),
        (ListingKind.WANTED, None, None),
    ],
)
def test_price_rules_per_kind_accepted(kind: ListingKind, price: Any, cents: int | None) -> None:
    assert check_price(kind, price) == cents


@pytest.mark.parametrize(
    ("kind", "price"),
    [
        (ListingKind.SELL, None),
        (ListingKind.SELL, ""),
        (ListingKind.GIVE, 0),
        (ListingKind.GIVE, 5),
        (ListingKind.SWAP, 10),
        (ListingKind.WANTED, 30),
    ],
)
def test_price_rules_per_kind_refused(kind: ListingKind, price: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_price(kind, price)
    assert refused.value.field == "price"


def test_only_a_swap_says_what_it_wants_and_it_must() -> None:
    assert check_exchange(ListingKind.SWAP, "  Un vélo ") == "Un vélo"
    assert check_exchange(ListingKind.GIVE, "") == ""
    assert check_exchange(ListingKind.SWAP, "", required=False) == ""  # imports: the text says it
    for kind, wanted in (
        (ListingKind.SWAP, ""),
        (ListingKind.SELL, "Un vélo"),
        (ListingKind.SWAP, "x" * 501),
    ):
        with pytest.raises(InvalidInput) as refused:
            check_exchange(kind, wanted)
        assert refused.value.field == "wanted_in_exchange"


def test_pickup_area_is_a_quartier_of_the_list_or_never_an_address() -> None:
    assert check_pickup_area("  gambetta ", ["Gambetta", "Jourdain"]) == "Gambetta"
    assert check_pickup_area("", ["Gambetta"]) == ""
    assert check_pickup_area("Métro Pelleport", []) == "Métro Pelleport"
    for value, areas in (
        ("Montmartre", ["Gambetta"]),
        ("12 rue des Pyrénées", []),
        ("3 bis, avenue Gambetta", []),
        ("x" * 81, []),
    ):
        with pytest.raises(InvalidInput) as refused:
            check_pickup_area(value, areas)
        assert refused.value.field == "pickup_area"


def fields(**overrides: Any) -> ListingFields:
    base: dict[str, Any] = {"kind": "give", "title": "Lampe de bureau", "category_id": None}
    return ListingFields(**(base | overrides))


def test_clean_listing_reports_every_field_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_listing(
            fields(
                kind="sell",
                title="ab",
                description="x" * 5001,
                condition="neuf",
                attributes={"size": "3 mois"},
            ),
            category_attributes=["brand"],
            pickup_areas=[],
        )
    assert set(refused.value.field_errors) == {
        "title",
        "description",
        "condition",
        "attributes.size",
        "price",
    }


def test_clean_listing_normalises_what_it_keeps() -> None:
    cleaned = clean_listing(
        fields(
            kind="sell",
            title="  Robe   à smocks ",
            price="18",
            condition="tres_bon_etat",
            attributes={"size": "2ANS", "gender": "Fille", "brand": ""},
        ),
        category_attributes=["size", "gender", "brand", "condition"],
        pickup_areas=[],
    )
    assert cleaned.title == "Robe à smocks" and cleaned.price_cents == 1800
    assert cleaned.attributes == {"size": "2 ans", "gender": "fille"}
    assert cleaned.kind is ListingKind.SELL and cleaned.condition == "tres_bon_etat"


@pytest.mark.parametrize(
    ("title", "ok"), [("ab", False), ("abc", True), ("x" * 120, True), ("x" * 121, False)]
)
def test_title_length(title: str, ok: bool) -> None:
    if ok:
        assert clean_listing(fields(title=title), category_attributes=[], pickup_areas=[]).title == title
    else:
        with pytest.raises(InvalidInput):
            clean_listing(fields(title=title), category_attributes=[], pickup_areas=[])
