"""The attribute catalogue: French size scales, ranges, and validation per category."""

from __future__ import annotations

import pytest

from marketplace.communities.attributes import (
    ATTRIBUTE_KEYS,
    CATALOGUE,
    covered_shoe_sizes,
    covered_sizes,
    validate_attributes,
)
from marketplace.errors import InvalidInput

USUAL_FRENCH_STEPS = [
    "prématuré",
    "naissance",
    "1 mois",
    "3 mois",
    "6 mois",
    "9 mois",
    "12 mois",
    "18 mois",
    "24 mois",
    *(f"{years} ans" for years in range(3, 17)),
]


@pytest.mark.parametrize("step", USUAL_FRENCH_STEPS)
def test_each_usual_french_size_is_accepted_as_written(step: str) -> None:
    assert validate_attributes(["size"], {"size": step}) == {"size": step}


@pytest.mark.parametrize("between", ["2 mois", "15 mois", "30 mois", "2 ans et demi"])
def test_sizes_between_the_usual_steps_are_refused(between: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_attributes(["size"], {"size": between})
    assert set(refused.value.field_errors) == {"attributes.size"}


def test_a_range_from_birth_to_16_years_covers_the_usual_steps_in_order() -> None:
    assert covered_sizes("0 mois-16 ans") == USUAL_FRENCH_STEPS[1:]


@pytest.mark.parametrize(
    ("value", "covered"),
    [
        ("3 mois", ["3 mois"]),
        ("naissance", ["naissance"]),
        ("Prématuré", ["prématuré"]),
        ("2 ans", ["24 mois"]),
        ("1 an", ["12 mois"]),
        ("0-6 mois", ["naissance", "1 mois", "3 mois", "6 mois"]),
        ("6-18 mois", ["6 mois", "9 mois", "12 mois", "18 mois"]),
        ("3-4 ans", ["3 ans", "4 ans"]),
        ("18 mois-3 ans", ["18 mois", "24 mois", "3 ans"]),
        ("16 ans", ["16 ans"]),
    ],
)
def test_sizes_and_ranges_cover_points_of_the_scale(value: str, covered: list[str]) -> None:
    assert covered_sizes(value) == covered


@pytest.mark.parametrize("value", ["2 mois", "17 ans", "6-3 ans", "4-4 ans", "XL", "", "0-7 mois"])
def test_values_off_the_scale_cover_nothing(value: str) -> None:
    assert covered_sizes(value) == []


def test_shoe_sizes_and_ranges() -> None:
    assert covered_shoe_sizes("24") == ["24"]
    assert covered_shoe_sizes("15-18") == ["15", "16", "17", "18"]
    assert covered_shoe_sizes("14") == covered_shoe_sizes("41") == covered_shoe_sizes("18-15") == []


def test_values_are_stored_cleaned() -> None:
    cleaned = validate_attributes(
        ATTRIBUTE_KEYS,
        {
            "size": "2ANS",
            "shoe_size": 24,
            "gender": "garcon",
            "season": "Automne-Hiver",
            "brand": "  Petit  Bateau ",
        },
    )
    assert cleaned == {
        "size": "2 ans",
        "shoe_size": "24",
        "gender": "garçon",
        "season": "automne-hiver",
        "brand": "Petit Bateau",
    }


def test_only_the_categorys_keys_are_accepted_each_error_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_attributes(
            ["size"], {"size": "XL", "shoe_size": "20", "colour": "rouge", "condition": "bon_etat"}
        )
    assert set(refused.value.field_errors) == {
        "attributes.size",
        "attributes.shoe_size",
        "attributes.colour",
        "attributes.condition",
    }


def test_empty_values_are_dropped_not_refused() -> None:
    assert validate_attributes(["size"], {"size": "", "brand": None}) == {}


@pytest.mark.parametrize(("value", "ok"), [("x" * 60, True), ("x" * 61, False)])
def test_brand_is_short_free_text(value: str, ok: bool) -> None:
    if ok:
        assert validate_attributes(["brand"], {"brand": value}) == {"brand": value}
    else:
        with pytest.raises(InvalidInput):
            validate_attributes(["brand"], {"brand": value})


def test_stored_values_read_in_the_readers_language() -> None:
    from marketplace.communities.attributes import value_label
    from marketplace.web.i18n import current_language

    token = current_language.set("en")
    try:
        assert value_label("18 mois-3 ans") == "18 months-3 years"
        assert value_label("naissance") == "newborn"
        assert value_label("toutes saisons") == "all seasons"
        assert CATALOGUE["condition"].label_of("tres_bon_etat") == "Very good"
        assert value_label("Petit Bateau") == "Petit Bateau"
    finally:
        current_language.reset(token)
    assert value_label("18 mois-3 ans") == "18 mois-3 ans"
