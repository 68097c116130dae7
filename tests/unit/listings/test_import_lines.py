"""Reading one line of an import file, before anything is written."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from marketplace.listings.importer import ImportReport, LineError, parse_line
from marketplace.listings.models import ListingStatus

CORPUS = Path(__file__).resolve().parents[2] / "data" / "search-eval" / "listings.jsonl"


def test_every_line_of_the_corpus_reads_cleanly() -> None:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    parsed = [parse_line(number, line) for number, line in enumerate(lines, start=1)]
    assert len(parsed) == 92
    assert sum(line.status == ListingStatus.DONE for line in parsed) == 2
    first = parsed[0]
    assert first.ref == "vg-001" and first.created_at == datetime.datetime(2026, 9, 1, 9, tzinfo=datetime.UTC)
    assert first.attribute_keys == ["condition"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ref": None}, "ref"),
        ({"created_at": "hier"}, "ISO 8601"),
        ({"status": "removed"}, "removed"),
        ({"status": "perdu"}, "Statut inconnu"),
        ({"attributes": {"colour": "bleu"}}, "colour"),
        ({"kind": "give", "price": 5}, "price"),
        ({"attributes": {"size": "17 ans"}}, "attributes.size"),
    ],
)
def test_a_bad_line_says_what_is_wrong(change: dict[str, object], message: str) -> None:
    line = json.loads(CORPUS.read_text(encoding="utf-8").splitlines()[0]) | change
    with pytest.raises(LineError, match=message):
        parse_line(1, json.dumps(line))


def test_not_json_at_all() -> None:
    with pytest.raises(LineError, match="JSON"):
        parse_line(3, "{oups")


def test_report_summary_speaks_french() -> None:
    assert (
        ImportReport(created=92).summary()
        == "92 annonces lues : 92 créées, 0 mise à jour, 0 inchangée, 0 ignorée."
    )
    assert (
        ImportReport(unchanged=1).summary()
        == "1 annonce lue : 0 créée, 0 mise à jour, 1 inchangée, 0 ignorée."
    )
