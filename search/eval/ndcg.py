"""nDCG@10 of both backends on a graded relevance set: how good the first page is, in one figure.

``graded.jsonl`` (beside this file) holds queries a neighbour would type on the shared evaluation
corpus (``tests/data/search-eval/listings.jsonl``), each with grades of the listings: 2 is what
the reader asked for, 1 is related (an accessory of it, the "wanted" matching an offer, a near
size), anything not graded is 0. For each query, DCG@10 sums ``(2**grade - 1) / log2(rank + 1)``
over the first ten hits; nDCG@10 divides it by the DCG of the ideal order. The figure printed is
the mean over the queries.

    python -m search.eval.ndcg                              # embedded, and Meilisearch if found
    python -m search.eval.ndcg --meilisearch-url URL --meilisearch-key KEY
    python -m search.eval.ndcg --verbose                    # every query, worst first

Without ``--meilisearch-url`` a throw-away Meilisearch is started from ``MEILISEARCH_BIN`` (or
``meilisearch`` on ``PATH``; ``scripts/install-meilisearch`` prints the path of the pinned one).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import meilisearch

from search.contract import Filters, Query, SearchIndex
from search.embedded import EmbeddedIndex
from search.eval.corpus import category_id, community_id, eval_communities, eval_documents, read_jsonl
from search.meilisearch_backend import MeilisearchIndex

GRADED = Path(__file__).with_name("graded.jsonl")
DEPTH = 10


def graded_cases() -> list[dict[str, Any]]:
    """The graded queries: ``id``, ``q``, optional ``filters``, ``grades`` (listing ref -> 1 or 2)."""
    return read_jsonl(GRADED)


def query_for(case: Mapping[str, Any], per_page: int = DEPTH) -> Query:
    """The contract query of a case: every community of the corpus unless it names one."""
    wanted = case.get("filters") or {}
    communities = (community_id(wanted["community"]),) if "community" in wanted else eval_communities()
    filters = Filters(
        kinds=tuple(wanted.get("kind", ())),
        category_ids=(category_id(wanted["category"]),) if "category" in wanted else (),
        max_price=wanted.get("max_price"),
        min_price=wanted.get("min_price"),
        sizes=tuple(wanted.get("size", ())),
        shoe_sizes=tuple(wanted.get("shoe_size", ())),
    )
    return Query(text=case["q"], community_ids=communities, filters=filters, per_page=per_page)


def dcg(grades: Sequence[int]) -> float:
    return sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades))


def ndcg(found: Sequence[str], grades: Mapping[str, int], depth: int = DEPTH) -> float:
    """nDCG@depth of the hits ``found`` (ids in rank order) against ``grades``."""
    ideal = dcg(sorted(grades.values(), reverse=True)[:depth])
    if ideal == 0:
        return 1.0
    return dcg([grades.get(item, 0) for item in found[:depth]]) / ideal


@dataclass(frozen=True)
class Scored:
    case: str
    text: str
    score: float
    found: tuple[str, ...]


async def evaluate(index: SearchIndex, cases: Sequence[Mapping[str, Any]] | None = None) -> list[Scored]:
    """The nDCG@10 of every graded case on ``index`` (which must hold the evaluation corpus)."""
    scored = []
    for case in graded_cases() if cases is None else cases:
        result = await index.search(query_for(case))
        found = tuple(hit.id for hit in result.hits)
        scored.append(Scored(case["id"], case["q"], ndcg(found, case["grades"]), found))
    return scored


def mean(scored: Sequence[Scored]) -> float:
    return sum(item.score for item in scored) / len(scored) if scored else 0.0


async def load(index: SearchIndex) -> None:
    await index.ensure_settings()
    await index.upsert(eval_documents())


# --- A throw-away Meilisearch when none is given --------------------------------------------


def meilisearch_binary() -> str | None:
    """``MEILISEARCH_BIN`` or ``meilisearch`` on ``PATH``."""
    candidate = os.environ.get("MEILISEARCH_BIN") or shutil.which("meilisearch")
    return candidate if candidate and Path(candidate).is_file() else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def started_meilisearch(binary: str) -> Iterator[tuple[str, str]]:
    """A Meilisearch on a free port and a temporary database: (url, master key), stopped on exit."""
    key = secrets.token_urlsafe(24)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="ndcg-meilisearch-") as data:
        arguments = [binary, "--db-path", f"{data}/db", "--http-addr", f"127.0.0.1:{port}"]
        # One argument: a key drawn with a leading "-" would read as an option.
        arguments += [f"--master-key={key}", "--no-analytics", "--log-level", "WARN"]
        arguments += ["--dump-dir", f"{data}/dumps", "--snapshot-dir", f"{data}/snapshots"]
        process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:  # noqa: S310
                        if json.loads(answer.read()).get("status") == "available":
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Meilisearch did not start from {binary}")
                time.sleep(0.05)
            yield url, key
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextlib.asynccontextmanager
async def meilisearch_index(url: str, key: str | None) -> AsyncIterator[MeilisearchIndex]:
    """A fresh index of its own on the server at ``url``, deleted afterwards."""
    uid = f"ndcg_{uuid.uuid4().hex[:10]}"
    index = MeilisearchIndex(url, key, uid, timeout=30)
    try:
        yield index
    finally:
        await index.close()
        with contextlib.suppress(meilisearch.errors.MeilisearchError):
            meilisearch.Client(url, key).delete_index(uid)


# --- The command ----------------------------------------------------------------------------


def report(name: str, scored: Sequence[Scored], verbose: bool) -> None:
    weak = [item for item in scored if item.score < 0.8]
    print(f"{name:12} nDCG@{DEPTH} = {mean(scored):.3f} over {len(scored)} queries; below 0.8: {len(weak)}")
    for item in sorted(scored, key=lambda item: item.score) if verbose else weak:
        print(f"    {item.case} {item.score:.3f} {item.text!r:28} -> {', '.join(item.found[:5])}")


async def run(url: str | None, key: str | None, verbose: bool) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ndcg-embedded-") as directory:
        embedded = EmbeddedIndex(Path(directory))
        try:
            await load(embedded)
            scored = await evaluate(embedded)
        finally:
            await embedded.close()
    report("embedded", scored, verbose)
    figures["embedded"] = mean(scored)
    with contextlib.ExitStack() as stack:
        if url is None:
            binary = meilisearch_binary()
            if binary is None:
                print("meilisearch  skipped: no --meilisearch-url, MEILISEARCH_BIN or meilisearch on PATH")
                return figures
            url, key = stack.enter_context(started_meilisearch(binary))
        async with meilisearch_index(url, key) as index:
            await load(index)
            scored = await evaluate(index)
    report("meilisearch", scored, verbose)
    figures["meilisearch"] = mean(scored)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--meilisearch-url", default=os.environ.get("MEILISEARCH_URL"))
    parser.add_argument("--meilisearch-key", default=os.environ.get("MEILISEARCH_API_KEY"))
    parser.add_argument("--verbose", action="store_true", help="print every query, worst first")
    arguments = parser.parse_args(argv)
    anyio.run(run, arguments.meilisearch_url, arguments.meilisearch_key, arguments.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
