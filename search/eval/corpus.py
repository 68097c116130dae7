"""Documents for evaluating and measuring the backends, without the app's database.

``documents_from_rows`` turns the shared evaluation corpus (``tests/data/search-eval``) into index
documents the way ``marketplace.indexing.documents`` does (one id per ``ref``, communities and
categories as stable string ids, only ``available`` and ``reserved`` listings), so that contract
tests and ``search/eval/ndcg.py`` load it straight into an index. ``generate_documents`` makes any
number of realistic listings for timing.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

INDEXED_STATUSES = ("available", "reserved")
EVAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "search-eval"


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def community_id(community_slug: str) -> str:
    return f"community-{community_slug}"


def category_id(name: str) -> str:
    return f"category-{slug(name)}"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def document_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """One corpus line as the app would index it (``id`` is the ``ref``)."""
    attributes = {key: value for key, value in sorted((row.get("attributes") or {}).items()) if value}
    published = datetime.fromisoformat(str(row["created_at"]).replace("Z", "+00:00"))
    return {
        "id": row["ref"],
        "ref": row["ref"],
        "community_id": community_id(row["community"]),
        "community": row["community"],
        "category_id": category_id(row["category"]),
        "category": row["category"],
        "category_ids": [category_id(row["category"])],
        "kind": row["kind"],
        "status": row["status"],
        "title": row["title"],
        "description": row.get("description") or "",
        "wanted_in_exchange": row.get("wanted_in_exchange"),
        "price": row.get("price"),
        "condition": row.get("condition"),
        **{key: value for key, value in attributes.items() if key not in ("size", "shoe_size")},
        "size": [attributes["size"]] if "size" in attributes else [],
        "shoe_size": [attributes["shoe_size"]] if "shoe_size" in attributes else [],
        "attributes": attributes,
        "pickup_area": row.get("pickup_area"),
        "published_at": int(published.timestamp()),
        "created_at": published.isoformat(),
        "cover": None,
    }


def documents_from_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents of the rows the app indexes (available and reserved only)."""
    return [document_from_row(row) for row in rows if row.get("status") in INDEXED_STATUSES]


def eval_rows() -> list[dict[str, Any]]:
    return read_jsonl(EVAL_DIR / "listings.jsonl")


def eval_documents() -> list[dict[str, Any]]:
    return documents_from_rows(eval_rows())


def eval_communities() -> tuple[str, ...]:
    return tuple(sorted({community_id(row["community"]) for row in eval_rows()}))


# --- Generated listings for timing ----------------------------------------------------------

_ITEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Puériculture", "Poussette", ("canne", "citadine", "double", "tout terrain")),
    ("Puériculture", "Habillage pluie pour poussette", ("universel", "transparent")),
    ("Puériculture", "Chaise haute", ("en bois", "évolutive", "pliable")),
    ("Puériculture", "Siège auto", ("groupe 0+", "groupe 1", "isofix")),
    ("Puériculture", "Lit parapluie", ("avec matelas", "Chicco", "Babymoov")),
    ("Puériculture", "Porte-bébé", ("physiologique", "Ergobaby", "ventral")),
    ("Puériculture", "Babyphone", ("vidéo", "audio")),
    ("Vêtements bébé", "Body", ("manches longues", "manches courtes", "coton bio")),
    ("Vêtements bébé", "Gigoteuse", ("hiver", "été", "2,5 TOG")),
    ("Vêtements bébé", "Pyjama", ("velours", "coton", "avec pieds")),
    ("Vêtements enfant", "T-shirt", ("rayé", "blanc", "imprimé")),
    ("Vêtements enfant", "Doudoune", ("légère", "sans manches", "à capuche")),
    ("Vêtements enfant", "Jean", ("slim", "droit", "genoux renforcés")),
    ("Vêtements enfant", "Robe", ("à smocks", "de princesse", "fleurie")),
    ("Chaussures", "Bottes de pluie", ("jaunes", "Aigle", "à motifs")),
    ("Chaussures", "Baskets", ("à scratch", "lumineuses", "montantes")),
    ("Chaussures", "Chaussons", ("en cuir souple", "en laine")),
    ("Jouets", "Lego", ("Duplo", "Technic", "City")),
    ("Jouets", "Trottinette", ("3 roues", "pliable", "Micro")),
    ("Jouets", "Playmobil", ("caserne de pompiers", "ferme", "château")),
    ("Jouets", "Puzzle", ("24 pièces", "100 pièces", "en bois")),
    ("Sport et loisirs", "Vélo", ("enfant 16 pouces", "de ville", "avec petites roues")),
    ("Sport et loisirs", "Casque de vélo", ("enfant", "adulte")),
    ("Livres", "Livres", ("jeunesse", "de cuisine", "de poche")),
    ("Livres", "Bandes dessinées", ("Astérix", "Tintin", "mangas")),
    ("Maison", "Étagère", ("Kallax", "murale", "en bois")),
    ("Maison", "Lampe", ("de chevet", "sur pied", "vintage")),
    ("Maison", "Canapé", ("convertible", "2 places", "d'angle")),
    ("Cuisine", "Cocotte", ("en fonte", "Le Creuset", "Staub")),
    ("Électroménager", "Lave-linge", ("hublot 7 kg", "Bosch", "top")),
    ("Électroménager", "Micro-ondes", ("Samsung", "grill", "20 L")),
    ("Électroménager", "Réfrigérateur", ("combiné", "table top", "Liebherr")),
    ("Électroménager", "Aspirateur", ("sans sac", "Dyson", "balai")),
    ("Informatique", "Écran d'ordinateur", ("24 pouces", "Dell", "full HD")),
    ("Jeux de société", "Jeu", ("Dixit", "Catan", "Monopoly")),
)
_CONDITIONS = ("neuf_avec_etiquette", "neuf_sans_etiquette", "tres_bon_etat", "bon_etat", "satisfaisant")
_SIZES = ("naissance", "3 mois", "6 mois", "12 mois", "18 mois", "2 ans", "4 ans", "6 ans", "8 ans", "10 ans")
_PRICES = (2, 5, 8, 10, 15, 25, 40, 90)
AREAS = ("Gambetta", "Jourdain", "Ménilmontant", "Porte de Montreuil", "Alexandre Dumas", "Pelleport")
_PHRASES = (
    "Très bon état, peu servi.",
    "À récupérer rapidement, merci de ne pas réserver sans venir.",
    "Quelques traces d'usure mais fonctionne parfaitement.",
    "Lavé et prêt à l'emploi, non fumeur.",
    "Cause déménagement, à venir chercher au 3e sans ascenseur.",
    "Idéal pour un premier enfant.",
)


def generate_documents(
    count: int, communities: int = 20, seed: int = 20, start: int = 1_767_225_600
) -> Iterator[dict[str, Any]]:
    """``count`` realistic listing documents over ``communities`` communities (deterministic)."""
    rng = random.Random(seed)
    for number in range(count):
        category, item, variants = rng.choice(_ITEMS)
        variant = rng.choice(variants)
        kind = rng.choices(("sell", "give", "swap", "wanted"), (6, 3, 1, 1))[0]
        attributes: dict[str, str] = {}
        if category.startswith("Vêtements"):
            attributes["size"] = rng.choice(_SIZES)
            attributes["gender"] = rng.choice(("fille", "garçon", "mixte"))
        if category == "Chaussures":
            attributes["shoe_size"] = str(rng.randint(18, 36))
        title = f"{'Cherche ' if kind == 'wanted' else ''}{item} {variant}"
        if "size" in attributes:
            title += f" {attributes['size']}"
        if "shoe_size" in attributes:
            title += f" pointure {attributes['shoe_size']}"
        description = " ".join(rng.sample(_PHRASES, 2)) + f" {item} {variant}."
        community = f"community-{number % communities}"
        yield {
            "id": f"generated-{number}",
            "ref": f"gen-{number}",
            "community_id": community,
            "community": community,
            "category_id": category_id(category),
            "category": category,
            "category_ids": [category_id(category)],
            "kind": kind,
            "status": rng.choices(("available", "reserved"), (9, 1))[0],
            "title": title,
            "description": description,
            "wanted_in_exchange": None,
            "price": None if kind in ("give", "swap", "wanted") else rng.choice(_PRICES),
            "condition": None if kind == "wanted" else rng.choice(_CONDITIONS),
            **{key: value for key, value in attributes.items() if key != "size"},
            "size": [attributes["size"]] if "size" in attributes else [],
            "shoe_size": [attributes["shoe_size"]] if "shoe_size" in attributes else [],
            "attributes": attributes,
            "pickup_area": rng.choice(AREAS),
            "published_at": start + number * 97,
            "created_at": None,
            "cover": None,
        }
