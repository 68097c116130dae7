"""The near-identical measure behind the repost delay, on cases of a neighbourhood board.

Reposts (the same item posted again, retyped, with a typo, a synonym, a word more) must read as
near-identical; different items by the same member (another size, an accessory for the item, a
series' other title) must not. The threshold sits between the two groups with a margin, and
this table is where it was measured: scores printed with ``pytest -s``.
"""

from __future__ import annotations

import pytest

from marketplace.moderation.similarity import NEAR_IDENTICAL, similarity

# (title, description, earlier title, earlier description)
REPOSTS = [
    ("Buggy Maclaren", "Légère, se plie d'une main", "Poussette canne Maclaren", "Légère, pliage d'une main"),
    ("Machine à laver Bosch 7 kg", "", "Lave-linge Bosch 7 kg", ""),
    (
        "Poussette Yoyo Babyzen",
        "Très bon état, avec habillage pluie.",
        "Poussette Yoyo Babyzen",
        "Très bon état, avec habillage pluie.",
    ),
    (
        "poussette yoyo babyzen !!",
        "TBE avec habillage pluie",
        "Poussette Yoyo Babyzen",
        "Très bon état, avec habillage pluie.",
    ),
    (
        "Pousette Yoyo Babyzen",
        "Très bon état avec l'habillage pluie",
        "Poussette Yoyo Babyzen",
        "Très bon état, avec habillage pluie.",
    ),
    (
        "Lot 10 bodies 6 mois",
        "Bodies manches longues en coton",
        "Lot de bodies 6 mois",
        "10 bodies manches longues, coton.",
    ),
    (
        "Gigoteuse 6-18 mois",
        "Gigoteuse chaude pour l'hiver",
        "Turbulette 6-18 mois",
        "Gigoteuse chaude pour l'hiver",
    ),
    ("Lit parapluie Chicco gris", "", "Lit parapluie Chicco", ""),
    (
        "Chaise haute Tripp Trapp Stokke",
        "Hêtre naturel, coussin inclus.",
        "Chaise haute Tripp Trapp",
        "Hêtre naturel, avec coussin.",
    ),
    ("Velo enfant 16 pouces à donner", "Avec les roulettes", "Vélo enfant 16 pouces", "Roulettes fournies"),
    (
        "Lot de livres Tchoupi",
        "Dizaine de livres de Tchoupi, bon état",
        "Livres Tchoupi",
        "Une dizaine de livres Tchoupi",
    ),
]
DIFFERENT = [
    ("Body 12 mois", "Coton bio", "Body 6 mois", "Coton bio"),
    ("Habillage pluie pour poussette Yoyo", "Très bon état.", "Poussette Yoyo Babyzen", "Très bon état."),
    ("Chaussures pointure 27", "Baskets blanches", "Chaussures pointure 24", "Baskets blanches"),
    ("Matelas pour lit parapluie", "Épais, housse lavable", "Lit parapluie Chicco", "Avec matelas"),
    ("Baignoire bébé", "Blanche, avec support", "Table à langer", "Blanche, pliante"),
    ("Lot de livres Petit Ours Brun", "Une dizaine", "Lot de livres Tchoupi", "Une dizaine"),
    ("Manteau hiver garçon 8 ans", "Bleu marine, chaud", "Manteau hiver fille 4 ans", "Rose, chaud"),
    ("Trottinette enfant", "Trois roues, fournie avec casque", "Vélo enfant 16 pouces", "Roulettes fournies"),
]
MARGIN = 0.05


@pytest.mark.parametrize("case", REPOSTS, ids=[case[0] for case in REPOSTS])
def test_a_repost_reads_as_near_identical(case: tuple[str, str, str, str]) -> None:
    score = similarity(*case)
    print(f"repost    {score:.3f}  {case[0]!r} / {case[2]!r}")
    assert score >= NEAR_IDENTICAL + MARGIN


@pytest.mark.parametrize("case", DIFFERENT, ids=[case[0] for case in DIFFERENT])
def test_another_item_of_the_same_member_does_not(case: tuple[str, str, str, str]) -> None:
    score = similarity(*case)
    print(f"different {score:.3f}  {case[0]!r} / {case[2]!r}")
    assert score <= NEAR_IDENTICAL - MARGIN


def test_the_measure_is_symmetric_and_bounded() -> None:
    for title, description, other_title, other_description in REPOSTS + DIFFERENT:
        there = similarity(title, description, other_title, other_description)
        back = similarity(other_title, other_description, title, description)
        assert there == pytest.approx(back)
        assert 0.0 <= there <= 1.0
    assert similarity("Lampe", "", "Lampe", "") == 1.0
    assert similarity("", "", "Lampe", "") == 0.0
