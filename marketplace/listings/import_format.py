"""The import file format: JSONL, one listing a line, read into typed records (pure, no database).

A line: ``ref`` (kept, unique per community), ``community`` (slug), ``category`` (name, created
when missing), ``kind``, ``title``, ``description``, ``price`` (euros or null), ``condition``
(catalogue slug or null), ``attributes`` (size, shoe_size, gender, brand, season),
``pickup_area``, ``status``, ``created_at`` (ISO 8601), and optionally ``author_email`` and
``wanted_in_exchange``.

A line is checked on its own, before anything is written for it: a bad one is reported with its
number and a French message. What the file as a whole needs (the attribute keys of each
category, the quartiers of each community) is read here too; ``importer.py`` does the writes.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import HTTPException

from marketplace.communities.attributes import LISTING_ATTRIBUTE_KEYS
from marketplace.errors import InvalidInput
from marketplace.listings.models import ListingStatus
from marketplace.listings.rules import ListingFields, clean_listing
from marketplace.web.i18n import gettext as _

REF_MAX = 80
REQUIRED = ("ref", "community", "category", "kind", "title", "created_at")
IMPORTABLE_STATUSES = frozenset(
    {
        ListingStatus.DRAFT,
        ListingStatus.AVAILABLE,
        ListingStatus.RESERVED,
        ListingStatus.DONE,
        ListingStatus.WITHDRAWN,
        ListingStatus.EXPIRED,
    }
)


class LineError(Exception):
    """A line that cannot be imported, with the French reason."""


@dataclass(frozen=True)
class ImportLine:
    number: int
    ref: str
    community: str
    category: str
    status: ListingStatus
    created_at: datetime.datetime
    author_email: str | None
    data: ListingFields

    @property
    def attribute_keys(self) -> list[str]:
        keys = [key for key in self.data.attributes if self.data.attributes[key] not in (None, "")]
        return [*keys, "condition"] if self.data.condition else keys


@dataclass
class ImportFile:
    """The lines of a file that read cleanly, the refused ones, and what the good ones need."""

    lines: list[ImportLine] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def category_keys(self) -> dict[tuple[str, str], list[str]]:
        """The attribute keys each (community, category) uses, in the order the file uses them."""
        keys_by_category: dict[tuple[str, str], list[str]] = {}
        for line in self.lines:
            keys = keys_by_category.setdefault((line.community, line.category), [])
            keys.extend(key for key in line.attribute_keys if key not in keys)
        return keys_by_category

    def pickup_areas(self) -> dict[str, list[str]]:
        """The quartiers each community's lines name, once each (whatever their case)."""
        areas_by_community: dict[str, list[str]] = {}
        for line in self.lines:
            areas = areas_by_community.setdefault(line.community, [])
            area = line.data.pickup_area
            if area and area.casefold() not in {known.casefold() for known in areas}:
                areas.append(area)
        return areas_by_community


def read_file(lines: Iterable[str]) -> ImportFile:
    """Every line of a file, numbered from 1; blank lines are not listings."""
    file = ImportFile()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            file.lines.append(parse_line(number, text))
        except LineError as error:
            file.errors.append((number, str(error)))
    return file


def parse_line(number: int, line: str) -> ImportLine:
    """One line of the file, checked on its own (no database): LineError says what is wrong."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as error:
        raise LineError(_("JSON invalide (%(error)s).", error=error.msg)) from None
    if not isinstance(raw, dict):
        raise LineError(_("Chaque ligne doit être un objet JSON."))
    missing = [key for key in REQUIRED if raw.get(key) in (None, "")]
    if missing:
        raise LineError(_("Champ(s) manquant(s) : %(fields)s.", fields=", ".join(missing)))
    ref = _text(raw, "ref")
    if len(ref) > REF_MAX:
        raise LineError(_("« ref » fait au plus 80 caractères."))
    try:
        status = ListingStatus(_text(raw, "status") or ListingStatus.AVAILABLE.value)
    except ValueError:
        raise LineError(_("Statut inconnu : %(status)s.", status=raw.get("status"))) from None
    if status not in IMPORTABLE_STATUSES:
        raise LineError(
            _("Une annonce ne peut pas être importée avec le statut « %(status)s ».", status=status)
        )
    attributes = raw.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise LineError(_("« attributes » doit être un objet."))
    unknown = sorted(set(attributes) - set(LISTING_ATTRIBUTE_KEYS))
    if unknown:
        raise LineError(_("Attribut(s) inconnu(s) : %(keys)s.", keys=", ".join(unknown)))
    author_email = _text(raw, "author_email") or None
    data = ListingFields(
        kind=_text(raw, "kind"),
        title=_text(raw, "title"),
        category_id=None,
        description=_text(raw, "description"),
        condition=raw.get("condition"),
        attributes=attributes,
        pickup_area=_text(raw, "pickup_area"),
        price=raw.get("price"),
        wanted_in_exchange=_text(raw, "wanted_in_exchange"),
    )
    parsed = ImportLine(
        number=number,
        ref=ref,
        community=_text(raw, "community"),
        category=_text(raw, "category"),
        status=status,
        created_at=_parse_created_at(raw.get("created_at")),
        author_email=author_email,
        data=data,
    )
    # The rules of the fields themselves, before any write (the community's quartiers and the
    # category's keys are checked again by the service, against the database).
    try:
        clean_listing(
            data, category_attributes=parsed.attribute_keys, pickup_areas=[], require_exchange=False
        )
    except InvalidInput as error:
        raise LineError(describe_refusal(error)) from None
    return parsed


def describe_refusal(error: HTTPException) -> str:
    """A refused line's reason in one line: each field's message, or the refusal's detail."""
    if isinstance(error, InvalidInput):
        return "; ".join(f"{key} : {message}" for key, message in error.field_errors.items())
    return str(error.detail)


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LineError(_("« %(key)s » doit être un texte.", key=key))
    return value.strip()


def _parse_created_at(value: Any) -> datetime.datetime:
    if not isinstance(value, str):
        raise LineError(_("« created_at » doit être une date ISO 8601."))
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise LineError(_("« created_at » n'est pas une date ISO 8601 : %(value)s.", value=value)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)  # a date without zone is taken as UTC
    return moment.astimezone(datetime.UTC)
