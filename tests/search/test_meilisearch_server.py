"""The suite's Meilisearch is a real 1.21 server that keeps its data across a restart."""

from __future__ import annotations

import meilisearch
import pytest

from tests.meilisearch_server import MeilisearchServer, meilisearch_binary, running_meilisearch


def test_session_server_is_meilisearch_1_21_behind_its_master_key(
    meilisearch_server: MeilisearchServer,
) -> None:
    client = meilisearch.Client(meilisearch_server.url, meilisearch_server.api_key)
    assert client.get_version()["pkgVersion"].startswith("1.21.")
    anonymous = meilisearch.Client(meilisearch_server.url)
    with pytest.raises(meilisearch.errors.MeilisearchApiError):
        anonymous.get_indexes()


def test_unique_uids_do_not_repeat(meilisearch_server: MeilisearchServer) -> None:
    assert len({meilisearch_server.unique_uid("listings") for _ in range(100)}) == 100


def test_a_restarted_server_keeps_its_documents(
    meilisearch_server: MeilisearchServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    binary = meilisearch_binary()
    assert binary is not None  # the session fixture already failed or skipped without one
    with running_meilisearch(binary, tmp_path_factory.mktemp("meilisearch-restart")) as server:
        client = meilisearch.Client(server.url, server.api_key)
        task = client.index("kept").add_documents([{"id": "1", "title": "poussette"}])
        client.wait_for_task(task.task_uid, timeout_in_ms=10_000)
        server.stop()
        with pytest.raises(meilisearch.errors.MeilisearchCommunicationError):
            client.health()
        server.start()
        assert client.index("kept").get_document("1").title == "poussette"
