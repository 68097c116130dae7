"""Live updates: a message sent by one neighbour reaches the other's open event stream.

The app is served by uvicorn in the test's own event loop (the in-process test client buffers a
response whole, so it cannot hold a stream open); the story is set up through the API as usual.
"""

from __future__ import annotations

import json
import socket

import anyio
import httpx
import pytest
import uvicorn

from marketplace.app import create_app
from marketplace.settings import Settings
from tests.stories import Board

pytestmark = pytest.mark.anyio


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_message_reaches_the_other_neighbours_open_stream(board: Board, settings: Settings) -> None:
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    listing = await board.listing(alice)
    conversation = (
        await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Hi"})
    ).json()

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                await anyio.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            events_url = f"/conversations/{conversation['id']}/events"
            # Somebody else may not listen to the conversation.
            carol = await board.member("carol")
            refused = await http.get(events_url, headers=carol.headers)
            assert refused.status_code == 404
            async with http.stream("GET", events_url, headers=alice.headers) as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.aiter_lines()
                with anyio.fail_after(10):
                    async for line in lines:
                        if line == "event: ready":
                            break
                    sent = await http.post(
                        f"/api/v1/conversations/{conversation['id']}/messages",
                        json={"body": "Je passe ce soir ?"},
                        headers=bob.headers,
                    )
                    assert sent.status_code == 201, sent.text
                    event = None
                    async for line in lines:
                        if line.startswith("event: message"):
                            event = "message"
                        elif event == "message" and line.startswith("data: "):
                            data = json.loads(line.removeprefix("data: "))
                            break
        assert data["message_id"] == sent.json()["id"]
        assert data["sender_id"] == bob.id
        server.should_exit = True
