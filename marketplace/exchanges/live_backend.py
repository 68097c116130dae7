"""PostgreSQL LISTEN/NOTIFY for the channels plugin, that survives the database being away.

Litestar's ``AsyncPgChannelsBackend`` connects when the app starts and keeps that one listening
connection: with the database down at start the app would not start at all (where every page
must answer 503 and come back by itself), and a publish that fails would stop its publishing
task for good. Live events are only hints (a page that misses one shows the message on reload),
so here a failure is logged and dropped, and the listening connection is made again, with its
channels, the next time somebody subscribes.

Litestar's ``publish`` also opens a new connection for every event and closes it: one
connection set-up and authentication per message sent, on the plugin's one publishing task, so
that under load events queue behind connection set-ups (``bench/messages.py``). Here events go
out on one publishing connection kept open, made again when it was lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import asyncpg
from litestar.channels.backends.asyncpg import AsyncPgChannelsBackend

log = logging.getLogger(__name__)

# What a database that is away or restarting raises.
UNREACHABLE = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class ResilientPgChannelsBackend(AsyncPgChannelsBackend):
    _listener_conn: asyncpg.Connection | None  # type: ignore[assignment]

    _publisher_conn: asyncpg.Connection | None = None

    async def on_startup(self) -> None:
        self._publisher_lock = asyncio.Lock()
        self._publisher_conn = None
        self._listener_lock = asyncio.Lock()
        self._queue = asyncio.Queue()
        self._listener_conn = None
        async with self._listener_lock:
            await self._listening()

    async def on_shutdown(self) -> None:
        async with self._listener_lock:
            if self._listener_conn is not None and not self._listener_conn.is_closed():
                await self._listener_conn.close()
            self._listener_conn = None
            self._subscribed_channels.clear()
            self._queue = None
        async with self._publisher_lock:
            if self._publisher_conn is not None and not self._publisher_conn.is_closed():
                await self._publisher_conn.close()
            self._publisher_conn = None

    async def _listening(self) -> asyncpg.Connection | None:
        """The listening connection, made again (with its channels) if it was lost; None while
        the database is away. Called with the lock held."""
        if self._listener_conn is not None and not self._listener_conn.is_closed():
            return self._listener_conn
        try:
            connection = await self._connect()
            for channel in self._subscribed_channels:
                await connection.add_listener(channel, self._listener)  # type: ignore[arg-type]
        except UNREACHABLE as error:
            log.warning("live updates paused: the database does not answer (%s)", error)
            self._listener_conn = None
            return None
        self._listener_conn = connection
        return connection

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        if self._queue is None:
            raise RuntimeError("Backend not yet initialized. Did you forget to call on_startup?")
        payload = data.decode("utf-8")
        async with self._publisher_lock:
            try:
                if self._publisher_conn is None or self._publisher_conn.is_closed():
                    self._publisher_conn = await self._connect()
                for channel in channels:
                    await self._publisher_conn.execute("SELECT pg_notify($1, $2);", channel, payload)
            except UNREACHABLE as error:
                log.warning("a live event was dropped: the database does not answer (%s)", error)
                if self._publisher_conn is not None and not self._publisher_conn.is_closed():
                    self._publisher_conn.terminate()
                self._publisher_conn = None

    async def subscribe(self, channels: Iterable[str]) -> None:
        async with self._listener_lock:
            connection = await self._listening()
            for channel in set(channels) - self._subscribed_channels:
                self._subscribed_channels.add(channel)
                if connection is None:
                    continue  # listened to when the connection is made again
                try:
                    await connection.add_listener(channel, self._listener)  # type: ignore[arg-type]
                except UNREACHABLE as error:
                    log.warning("live updates paused: the database does not answer (%s)", error)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        async with self._listener_lock:
            connection = self._listener_conn
            for channel in set(channels) & self._subscribed_channels:
                self._subscribed_channels.discard(channel)
                if connection is None or connection.is_closed():
                    continue
                try:
                    await connection.remove_listener(channel, self._listener)  # type: ignore[arg-type]
                except UNREACHABLE as error:
                    log.warning("could not stop listening to %s (%s)", channel, error)
