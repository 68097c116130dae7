"""Live updates of conversations: Litestar's channels plugin, and the server-sent events of a page.

Embedded mode (SQLite, one process) uses the memory backend. On PostgreSQL the backend is
LISTEN/NOTIFY, so that a message written through one app process reaches a page whose stream is
held by another. Events carry ids only, never a message's text: the page fetches the thread
through the same authorised read as a reload (a channel name is not a secret).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from marketplace.exchanges.live_backend import ResilientPgChannelsBackend
from marketplace.settings import DatabaseSettings


def channels_backend(database: DatabaseSettings) -> ChannelsBackend:
    if database.is_sqlite:
        return MemoryChannelsBackend()
    # asyncpg takes a plain libpq URL, without SQLAlchemy's driver suffix.
    dsn = database.url.replace("postgresql+asyncpg://", "postgresql://", 1)
    return ResilientPgChannelsBackend(dsn=dsn)


def channels_plugin(database: DatabaseSettings) -> ChannelsPlugin:
    return ChannelsPlugin(
        backend=channels_backend(database),
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=100,
        subscriber_backlog_strategy="dropleft",
    )


def publisher(channels: ChannelsPlugin) -> Callable[[str, dict[str, str]], None]:
    def publish(channel: str, data: dict[str, str]) -> None:
        channels.publish(data, channel)

    return publish


def event_stream(channels: ChannelsPlugin, channel: str) -> ServerSentEvent:
    """The events of ``channel`` as server-sent events, from now on, for as long as the page listens."""

    async def events() -> AsyncGenerator[ServerSentEventMessage, None]:
        async with channels.start_subscription([channel]) as subscriber:
            # Tells the page (and tests) that the subscription is in place.
            yield ServerSentEventMessage(event="ready", data="ok")
            async for payload in subscriber.iter_events():
                yield ServerSentEventMessage(event="message", data=payload.decode())

    return ServerSentEvent(events(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
