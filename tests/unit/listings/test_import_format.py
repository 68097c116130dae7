"""Reading a whole import file: numbered lines, refused ones set aside, and what the good ones need."""

from __future__ import annotations

import json
from typing import Any

from marketplace.listings.import_format import read_file


def line(ref: str, **fields: Any) -> str:
    base = {
        "ref": ref,
        "community": "vide-dressing-test",
        "category": "Vêtements",
        "kind": "give",
        "title": "Pull en laine",
        "created_at": "2026-09-01T09:00:00Z",
    }
    return json.dumps(base | fields)


def test_lines_are_numbered_from_one_and_blank_lines_are_not_listings() -> None:
    file = read_file([line("a"), "", "   ", "{oups", line("b")])
    assert [record.number for record in file.lines] == [1, 5]
    assert [number for number, _ in file.errors] == [4]


def test_a_category_needs_every_attribute_key_its_lines_use_in_first_use_order() -> None:
    file = read_file(
        [
            line("a", attributes={"size": "4 ans"}),
            line("b", attributes={"brand": "Petit Bateau", "size": "6 ans"}, condition="bon_etat"),
            line("c", category="Maison", attributes={"brand": ""}),
        ]
    )
    assert file.category_keys() == {
        ("vide-dressing-test", "Vêtements"): ["size", "brand", "condition"],
        ("vide-dressing-test", "Maison"): [],
    }


def test_a_community_needs_each_quartier_once_whatever_its_case() -> None:
    file = read_file(
        [
            line("a", pickup_area="Belleville"),
            line("b", pickup_area="belleville"),
            line("c", pickup_area="Gambetta"),
            line("d", community="autre-groupe"),
        ]
    )
    assert file.pickup_areas() == {"vide-dressing-test": ["Belleville", "Gambetta"], "autre-groupe": []}


def test_refused_lines_need_nothing() -> None:
    file = read_file([line("a", attributes={"colour": "bleu"}, pickup_area="Jourdain")])
    assert file.lines == [] and file.pickup_areas() == {} and file.category_keys() == {}
    assert "colour" in file.errors[0][1]
