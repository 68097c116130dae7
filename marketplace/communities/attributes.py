"""The catalogue of item attributes, defined in code; a community admin picks per category which apply.

Values follow the French scales parents use: kids' clothing sizes from "prématuré" to "16 ans"
(with the common aliases "1 an", "2 ans" and ranges such as "0-6 mois" or "3-4 ans"), shoe sizes
by pointure from 15 to 40 (ranges such as "15-18" too). Labels and values are French: they are what
neighbours type and read; the pages translate the labels, never the stored values.

A listing stores the value as the neighbour wrote it, cleaned up ("2ANS" becomes "2 ans");
``covered_sizes`` turns a value into the points of the scale it covers, which is what search
filters on (a "0-6 mois" bodysuit lot is found by someone looking for "3 mois").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marketplace.errors import InvalidInput
from marketplace.web.i18n import N_
from marketplace.web.i18n import gettext as _

# --- Condition (a listing column; also a key an admin turns on or off per category) -------------

CONDITIONS: dict[str, str] = {
    "neuf_avec_etiquette": N_("Neuf avec étiquette"),
    "neuf_sans_etiquette": N_("Neuf sans étiquette"),
    "tres_bon_etat": N_("Très bon état"),
    "bon_etat": N_("Bon état"),
    "satisfaisant": N_("Satisfaisant"),
}

# --- Kids' clothing sizes -----------------------------------------------------------------------

# (label, age in months): the months give the order and let ranges mix units ("18 mois-3 ans").
_SIZE_POINTS: tuple[tuple[str, int], ...] = (
    ("prématuré", -1),
    ("naissance", 0),
    ("1 mois", 1),
    ("3 mois", 3),
    ("6 mois", 6),
    ("9 mois", 9),
    ("12 mois", 12),
    ("18 mois", 18),
    ("24 mois", 24),
    *((f"{years} ans", years * 12) for years in range(3, 17)),
)
SIZE_SCALE: tuple[str, ...] = tuple(label for label, _months in _SIZE_POINTS)
_MONTHS_TO_SIZE = {months: label for label, months in _SIZE_POINTS}

# --- Shoe sizes (pointure) ----------------------------------------------------------------------

SHOE_SIZE_MIN = 15
SHOE_SIZE_MAX = 40
SHOE_SIZE_SCALE: tuple[str, ...] = tuple(str(size) for size in range(SHOE_SIZE_MIN, SHOE_SIZE_MAX + 1))

GENDERS: tuple[str, ...] = ("fille", "garçon", "mixte")
SEASONS: tuple[str, ...] = ("printemps-été", "automne-hiver", "toutes saisons")
BRAND_MAX_LENGTH = 60

# The French words stored values are made of, translated where they are shown.
_VALUE_WORDS: frozenset[str] = frozenset(
    (
        N_("prématuré"),
        N_("naissance"),
        N_("mois"),
        N_("ans"),
        N_("fille"),
        N_("garçon"),
        N_("mixte"),
        N_("printemps-été"),
        N_("automne-hiver"),
        N_("toutes saisons"),
    )
)


def value_label(value: str) -> str:
    """A stored value (always French, e.g. "18 mois-3 ans") in the reader's language, word by word."""
    if value in _VALUE_WORDS:
        return _(value)
    return re.sub(
        r"[^\W\d_]+", lambda word: _(word.group(0)) if word.group(0) in _VALUE_WORDS else word.group(0), value
    )


def _fold(value: str) -> str:
    """Lower case, accents removed, spaces collapsed: how we compare what people type."""
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", without_accents)


_UNIT = r"(mois|ans?)"
_POINT = re.compile(rf"^(\d{{1,2}}) ?{_UNIT}$")
_RANGE_SHARED_UNIT = re.compile(rf"^(\d{{1,2}}) ?(?:-|a|à) ?(\d{{1,2}}) ?{_UNIT}$")
_RANGE_TWO_UNITS = re.compile(rf"^(\d{{1,2}}) ?{_UNIT} ?(?:-|a|à) ?(\d{{1,2}}) ?{_UNIT}$")


def _months(number: int, unit: str) -> int | None:
    """The age in months of a point of the scale, or None when it is not on the scale.

    "0 mois" is "naissance", "1 an" is "12 mois" and "2 ans" is "24 mois": parents write both.
    """
    months = number if unit == "mois" else number * 12
    return months if months in _MONTHS_TO_SIZE else None


def _size_bounds(value: str) -> tuple[int, int, str] | None:
    """(first months, last months, cleaned label) for a size or a size range; None if invalid."""
    folded = _fold(value).replace(" - ", "-")
    for label, months in _SIZE_POINTS:
        if folded == _fold(label):
            return months, months, label
    if folded in ("premature", "prema"):
        return -1, -1, "prématuré"
    if match := _POINT.match(folded):
        number, unit = int(match[1]), match[2]
        point = _months(number, unit)
        if point is None:
            return None
        unit_label = "mois" if unit == "mois" else ("an" if number == 1 else "ans")
        return point, point, f"{number} {unit_label}"
    if match := _RANGE_SHARED_UNIT.match(folded):
        low, high, unit = int(match[1]), int(match[2]), match[3]
        first, last = _months(low, unit), _months(high, unit)
        unit_label = "mois" if unit == "mois" else "ans"
        label = f"{low}-{high} {unit_label}"
    elif match := _RANGE_TWO_UNITS.match(folded):
        low, low_unit, high, high_unit = int(match[1]), match[2], int(match[3]), match[4]
        first, last = _months(low, low_unit), _months(high, high_unit)
        low_label = "mois" if low_unit == "mois" else ("an" if low == 1 else "ans")
        high_label = "mois" if high_unit == "mois" else ("an" if high == 1 else "ans")
        label = f"{low} {low_label}-{high} {high_label}"
    else:
        return None
    if first is None or last is None or first >= last:
        return None
    return first, last, label


def _shoe_bounds(value: str) -> tuple[int, int, str] | None:
    folded = _fold(value).replace(" ", "")
    if match := re.fullmatch(r"(\d{1,2})", folded):
        size = int(match[1])
        return (size, size, str(size)) if SHOE_SIZE_MIN <= size <= SHOE_SIZE_MAX else None
    if match := re.fullmatch(r"(\d{1,2})(?:-|a|à)(\d{1,2})", folded):
        low, high = int(match[1]), int(match[2])
        if SHOE_SIZE_MIN <= low < high <= SHOE_SIZE_MAX:
            return low, high, f"{low}-{high}"
    return None


def is_size(value: str) -> bool:
    return _size_bounds(value) is not None


def is_shoe_size(value: str) -> bool:
    return _shoe_bounds(value) is not None


def covered_sizes(value: str) -> list[str]:
    """The points of the clothing scale a size value covers, in scale order; [] if not a size.

    >>> covered_sizes("0-6 mois")
    ['naissance', '1 mois', '3 mois', '6 mois']
    >>> covered_sizes("2 ans")
    ['24 mois']
    """
    bounds = _size_bounds(value)
    if bounds is None:
        return []
    first, last, _label = bounds
    return [label for label, months in _SIZE_POINTS if first <= months <= last]


def covered_shoe_sizes(value: str) -> list[str]:
    """The pointures a shoe size value covers ("15-18" → 15, 16, 17, 18); [] if not a pointure."""
    bounds = _shoe_bounds(value)
    if bounds is None:
        return []
    first, last, _label = bounds
    return [str(size) for size in range(first, last + 1)]


# --- The catalogue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeSpec:
    """One attribute: its French label, whether it is a choice or free text, and its values.

    ``choices`` are the values offered in a select (for sizes: the points of the scale; ranges
    are accepted as well when typed or imported). ``choice_labels`` gives a display label when
    the stored value is a slug (condition).
    """

    key: str
    label: str
    kind: str  # "choice" or "text"
    choices: tuple[str, ...] = ()
    choice_labels: Mapping[str, str] = field(default_factory=dict)
    max_length: int = 60
    help: str = ""
    # Cleans a typed value into its stored form; returns None when the value is not accepted.
    clean: Callable[[str], str | None] | None = None

    def label_of(self, value: str) -> str:
        """How a stored value reads in the reader's language."""
        if value in self.choice_labels:
            return _(self.choice_labels[value])
        return value_label(value)


def _clean_choice(choices: tuple[str, ...]) -> Callable[[str], str | None]:
    by_folded = {_fold(choice): choice for choice in choices}

    def clean(value: str) -> str | None:
        return by_folded.get(_fold(value))

    return clean


def _clean_size(value: str) -> str | None:
    bounds = _size_bounds(value)
    return bounds[2] if bounds else None


def _clean_shoe_size(value: str) -> str | None:
    bounds = _shoe_bounds(value)
    return bounds[2] if bounds else None


def _clean_brand(value: str) -> str | None:
    cleaned = re.sub(r"\s+", " ", value.strip())
    return cleaned if len(cleaned) <= BRAND_MAX_LENGTH else None


CATALOGUE: dict[str, AttributeSpec] = {
    "size": AttributeSpec(
        key="size",
        label=N_("Taille"),
        kind="choice",
        choices=SIZE_SCALE,
        help=N_("De prématuré à 16 ans ; une tranche comme « 0-6 mois » ou « 3-4 ans » est acceptée."),
        clean=_clean_size,
    ),
    "shoe_size": AttributeSpec(
        key="shoe_size",
        label=N_("Pointure"),
        kind="choice",
        choices=SHOE_SIZE_SCALE,
        help=N_("Du 15 au 40 ; une tranche comme « 15-18 » est acceptée."),
        clean=_clean_shoe_size,
    ),
    "gender": AttributeSpec(
        key="gender", label=N_("Genre"), kind="choice", choices=GENDERS, clean=_clean_choice(GENDERS)
    ),
    "brand": AttributeSpec(
        key="brand", label=N_("Marque"), kind="text", max_length=BRAND_MAX_LENGTH, clean=_clean_brand
    ),
    "season": AttributeSpec(
        key="season", label=N_("Saison"), kind="choice", choices=SEASONS, clean=_clean_choice(SEASONS)
    ),
    "condition": AttributeSpec(
        key="condition",
        label=N_("État"),
        kind="choice",
        choices=tuple(CONDITIONS),
        choice_labels=CONDITIONS,
        clean=_clean_choice(tuple(CONDITIONS)),
    ),
}

# Every key an admin may turn on for a category, in display order.
ATTRIBUTE_KEYS: tuple[str, ...] = tuple(CATALOGUE)
# The keys stored in ``Listing.attributes``; condition has its own column.
LISTING_ATTRIBUTE_KEYS: tuple[str, ...] = tuple(key for key in ATTRIBUTE_KEYS if key != "condition")


def _invalid_value_message(spec: AttributeSpec) -> str:
    if spec.key == "size":
        return _("Taille inconnue : choisissez de prématuré à 16 ans, ou une tranche comme « 0-6 mois ».")
    if spec.key == "shoe_size":
        return _("Pointure inconnue : choisissez du 15 au 40, ou une tranche comme « 15-18 ».")
    if spec.kind == "text":
        return _("%(label)s : %(max)s caractères au plus.", label=_(spec.label), max=spec.max_length)
    return _(
        "Valeur inconnue pour %(label)s : choisissez parmi %(choices)s.",
        label=_(spec.label),
        choices=", ".join(spec.choices),
    )


def validate_attributes(
    allowed_keys: list[str] | tuple[str, ...], attributes: Mapping[str, Any]
) -> dict[str, str]:
    """The cleaned attributes of a listing, or InvalidInput naming ``attributes.<key>``.

    Only keys the category uses (``allowed_keys``) are accepted; empty values are dropped, so a
    form's unselected select does not store "". Condition is refused here: it has its own field.
    """
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, raw in attributes.items():
        name = f"attributes.{key}"
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        spec = CATALOGUE.get(key)
        if spec is None or key == "condition":
            if key == "condition":
                errors[name] = _("L'état se renseigne dans le champ « condition ».")
            else:
                errors[name] = _("Attribut inconnu : %(key)s.", key=key)
            continue
        if key not in allowed_keys:
            errors[name] = _("Cette catégorie n'utilise pas « %(label)s ».", label=_(spec.label))
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            errors[name] = _invalid_value_message(spec)
            continue
        value = spec.clean(str(raw)) if spec.clean else str(raw).strip()
        if value is None:
            errors[name] = _invalid_value_message(spec)
            continue
        cleaned[key] = value
    if errors:
        raise InvalidInput.many(errors)
    return cleaned


def condition_label(slug: str | None) -> str:
    return CONDITIONS.get(slug or "", "")
