"""How neighbours write listings, and what the search makes of it (``search.language``).

The first tests are on the text pipeline alone: a query and a listing written differently must
come out as the same index terms. The last ones show it from the reader's side, on every backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from search.contract import Query, SearchIndex
from search.embedded import EmbeddedIndex
from search.language import (
    QueryTerm,
    expand_query,
    fold,
    normalise_text,
    plural_fold,
    stop_words,
    title_head,
)


def same_terms(*writings: str) -> set[str]:
    return {normalise_text(writing) for writing in writings}


@pytest.mark.parametrize(
    ("writings", "term"),
    [
        (("TBE", "tbe", "très bon état", "Très Bon Etat", "T.B.E."), "tbe"),
        (("BE", "bon état", "Bon etat", "B.E."), "be"),
        (("NAE", "neuf avec étiquette", "Neuf avec étiquettes", "neuf avec son étiquette"), "nae"),
        (("NSE", "neuf sans étiquette", "jamais porté"), "nse"),
        (("ML", "manches longues", "manche longue", "M.L."), "ml"),
        (("MC", "manches courtes", "manche courte"), "mc"),
    ],
)
def test_condition_and_sleeve_abbreviations_are_one_term(writings: tuple[str, ...], term: str) -> None:
    assert same_terms(*writings) == {term}


def test_neuf_stays_a_word_that_both_new_conditions_answer_to() -> None:
    assert normalise_text("NEUF") == normalise_text("neuf") == "neuf"
    # A listing's condition is indexed in words: "neuf" finds new with or without the tag.
    from_condition = {
        slug: normalise_text(text, document=True)
        for slug, text in {"nae": "neuf avec étiquette neuf", "nse": "neuf sans étiquette neuf"}.items()
    }
    assert from_condition == {"nae": "nae neuf", "nse": "nse neuf"}


@pytest.mark.parametrize(
    ("writings", "term"),
    [
        (("18m", "18 mois", "18 MOIS", "18M"), "18mois"),
        (("4a", "4 ans", "4ans", "4 an"), "4ans"),
        (("24 mois", "2 ans", "2a"), "2ans"),  # the size scale's two names for one size
        (("12 mois", "1 an", "12m"), "12mois"),
        (("T38", "t38", "taille 38"), "t38"),
        (("P24", "p24", "pointure 24", "pt 24"), "p24"),
    ],
)
def test_size_notations_are_one_term(writings: tuple[str, ...], term: str) -> None:
    assert same_terms(*writings) == {term}


def test_a_listing_size_also_answers_to_its_bare_number() -> None:
    assert normalise_text("Bottes pointure 24", document=True) == "botte p24 24"
    assert normalise_text("Jean T38", document=True) == "jean t38 38"
    assert normalise_text("Pyjama 18 mois", document=True) == "pyjama 18mois 18"
    # ... while a query keeps the notation precise: "p24" is not any 24.
    assert normalise_text("bottes p24") == "botte p24"


def test_a_number_that_is_not_a_size_stays_a_number() -> None:
    assert normalise_text("Puzzle 100 pièces") == "puzzle 100 piece"
    assert normalise_text("taille 4 ans") == "4ans"  # an age after "taille" is the age


@pytest.mark.parametrize(
    ("writings", "term"),
    [
        (("t-shirt", "tee-shirt", "tshirt", "T-Shirt", "tee shirt", "teeshirt", "t-shirts"), "tshirt"),
        (("body", "bodies", "bodys", "Body"), "body"),
        (("sweat", "sweat-shirt", "sweatshirt"), "sweat"),
        (("legging", "leggings", "leggins"), "legging"),
    ],
)
def test_spellings_of_borrowed_words_are_one_term(writings: tuple[str, ...], term: str) -> None:
    assert same_terms(*writings) == {term}


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("poussettes", "poussette"),
        ("vélos", "velo"),
        ("jeux", "jeu"),
        ("bateaux", "bateau"),
        ("chevaux", "cheval"),
        ("livres", "livre"),
    ],
)
def test_plurals_fold_to_the_singular(plural: str, singular: str) -> None:
    assert normalise_text(plural) == normalise_text(singular) == singular


@pytest.mark.parametrize("word", ["mois", "souris", "tapis", "velours", "gris", "tennis", "bus"])
def test_words_ending_in_s_that_are_not_plurals_are_kept(word: str) -> None:
    assert plural_fold(word) == word


def test_plural_folding_is_not_a_stemmer() -> None:
    assert plural_fold("pousse") != plural_fold("poussette")
    assert plural_fold("bas") == "bas"  # too short to fold


def test_accents_case_and_ligatures_fold() -> None:
    assert fold("Écharpe") == "echarpe"
    assert fold("ŒUF") == "oeuf"
    assert normalise_text("Vélo ÉLECTRIQUE") == "velo electrique"


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("l'écharpe", "echarpe"),
        ("L’écharpe de portage", "echarpe portage"),  # typographic apostrophe
        ("d'occasion", "occasion"),
        ("Lot d'écharpes et l'ensemble", "lot echarpe ensemble"),
        ("jusqu'à 3 ans", "3ans"),
    ],
)
def test_elisions_and_stop_words_drop(text: str, terms: str) -> None:
    assert normalise_text(text) == terms


def test_stop_words_are_folded_and_include_elided_articles() -> None:
    words = stop_words()
    assert {"le", "la", "de", "l", "d"} <= words
    assert all(word == fold(word) for word in words)


def test_the_head_of_a_title_is_the_item_before_what_it_goes_with() -> None:
    assert title_head("Habillage pluie pour poussette") == "Habillage pluie"
    assert title_head("Ombrelle compatible poussette Yoyo") == "Ombrelle"
    assert title_head("Lit parapluie avec matelas") == "Lit parapluie"
    assert title_head("Poussette citadine") == "Poussette citadine"
    assert title_head("Pour bébé : lot de bodies") == "Pour bébé : lot de bodies"  # starts with one


def test_a_query_expands_synonyms_and_keeps_what_was_typed() -> None:
    [term] = expand_query("turbulette")
    assert term.words == ("turbulette",)
    assert ("gigoteuse",) in term.synonyms
    assert term.prefix  # still being typed
    [washer] = expand_query("machine à laver ")
    assert washer == QueryTerm(("machine", "laver"), (("lave", "linge"),), prefix=False)
    assert "linge" in washer.tokens


def test_only_the_last_unfinished_word_is_a_prefix() -> None:
    assert [term.prefix for term in expand_query("velo rouge")] == [False, True]
    assert [term.prefix for term in expand_query("velo rouge ")] == [False, False]
    assert [term.prefix for term in expand_query("velo rouge,")] == [False, False]


def test_a_query_counts_ten_words_at_most() -> None:
    assert len(expand_query(" ".join(f"mot{number}" for number in range(30)))) == 10


# --- From the reader's side, on every backend ------------------------------------------------

on_every_backend = pytest.mark.anyio

HERE = ("community-a",)


def doc(id: str, title: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "community_id": HERE[0],
        "category_ids": ["cat"],
        "kind": "sell",
        "status": "available",
        "title": title,
        "description": "",
        "price": 5,
        "published_at": 1_700_000_000,
        **fields,
    }


async def ids(index: SearchIndex, text: str) -> list[str]:
    return [hit.id for hit in (await index.search(Query(text=text, community_ids=HERE))).hits]


@on_every_backend
async def test_strollers_come_before_the_accessories_that_mention_them(index: SearchIndex) -> None:
    await index.upsert(
        [
            doc(
                "cover", "Habillage pluie pour poussette", description="Pour toute poussette.", published_at=9
            ),
            doc("parasol", "Ombrelle compatible poussette", published_at=8),
            doc("muff", "Chancelière pour poussette", description="Chaude, pour poussette.", published_at=7),
            doc("buggy", "Poussette canne", published_at=1),
            doc("double", "Poussette double", description="Deux places.", published_at=2),
        ]
    )
    found = await ids(index, "poussette")
    assert set(found[:2]) == {"buggy", "double"}
    assert set(found) == {"cover", "parasol", "muff", "buggy", "double"}
    assert (await ids(index, "habillage pluie poussette"))[0] == "cover"  # asked for, it comes first


@on_every_backend
async def test_a_listing_is_found_however_the_reader_writes_it(index: SearchIndex) -> None:
    await index.upsert(
        [
            doc("tee", "Lot de tee-shirts manches longues 4 ans", condition="tres_bon_etat"),
            doc("bodies", "Bodys 18m", condition="neuf_avec_etiquette"),
            doc("boots", "Bottes de pluie", attributes={"shoe_size": "24"}, shoe_size=["24"]),
            doc("jean", "Jean T38", condition="bon_etat"),
            doc("scarf", "L'écharpe de portage"),
        ]
    )
    for text, expected in [
        ("tshirt ML 4a", ["tee"]),
        ("t-shirt tbe", ["tee"]),
        ("TEE SHIRT 4 ANS", ["tee"]),
        ("body 18 mois", ["bodies"]),
        ("bodies NAE", ["bodies"]),
        ("neuf", ["bodies"]),
        ("bottes P24", ["boots"]),
        ("bottes pointure 24", ["boots"]),
        ("jean taille 38", ["jean"]),
        ("jeans BE", ["jean"]),
        ("echarpe", ["scarf"]),
        ("écharpes", ["scarf"]),
    ]:
        assert await ids(index, text) == expected, text


def test_a_typo_of_a_word_with_synonyms_reaches_them() -> None:
    [term] = expand_query("gigoteuze ")
    assert term.words == ("gigoteuze",)
    assert term.synonyms == ()  # not as typed: with the typos only
    assert {("gigoteuse",), ("turbulette",), ("sac", "couchage", "bebe")} <= set(term.typo_synonyms)
    [bag] = expand_query("sac de couchaje bébé")
    assert bag.words == ("sac", "couchaje", "bebe")
    assert ("gigoteuse",) in bag.typo_synonyms
    assert expand_query("gigot")[0].typo_synonyms == ()  # too far from any phrase


@pytest.mark.anyio
async def test_a_typo_of_a_word_with_synonyms_finds_its_synonyms_too(tmp_path: Path) -> None:
    """Embedded only: Meilisearch 1.21 applies synonyms to the words as typed, so "gigoteuze"
    finds the "Gigoteuse" (a typo) there but not the "Turbulette" (its synonym)."""
    index = EmbeddedIndex(tmp_path)
    try:
        await _typo_reaches_synonyms(index)
    finally:
        await index.close()


async def _typo_reaches_synonyms(index: SearchIndex) -> None:
    await index.upsert(
        [
            doc("sleeping-bag", "Gigoteuse hiver 0-6 mois", published_at=2),
            doc("turbulette", "Turbulette été 6-18 mois", published_at=1),
        ]
    )
    assert await ids(index, "gigoteuse") == ["sleeping-bag", "turbulette"]
    assert set(await ids(index, "gigoteuze")) == {"sleeping-bag", "turbulette"}
    assert set(await ids(index, "turbulete")) == {"sleeping-bag", "turbulette"}
    # What was typed exactly still comes before what a typo reached.
    await index.upsert([doc("typo-in-listing", "Gigoteuze polaire", published_at=3)])
    assert (await ids(index, "gigoteuze"))[0] == "typo-in-listing"
