"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.exchanges.api import BlockApi, ConversationApi, ListingExchangeApi, MessageReportApi
from marketplace.exchanges.pages import ExchangePages

ROUTES: list[ControllerRouterHandler] = [
    ListingExchangeApi,
    ConversationApi,
    BlockApi,
    MessageReportApi,
    ExchangePages,
]
