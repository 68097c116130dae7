"""Imports every model so that Alembic and the metadata see the whole schema."""

from marketplace.accounts.models import AccountLink, ApiToken, User
from marketplace.alerts.models import AlertMatch, MatchedChange, SavedSearch
from marketplace.communities.models import Category, Community, Membership
from marketplace.db.store_model import StoreItem
from marketplace.exchanges.models import Block, Conversation, Draw, Handover, Message, MessageReport
from marketplace.indexing.models import SearchOutboxEntry
from marketplace.listings.models import Listing
from marketplace.notifications.models import EmailOutboxEntry, Notification, NotificationPreference
from marketplace.photos.models import Photo

__all__ = [
    "AccountLink",
    "AlertMatch",
    "ApiToken",
    "Block",
    "Category",
    "Community",
    "Conversation",
    "Draw",
    "EmailOutboxEntry",
    "Handover",
    "Listing",
    "MatchedChange",
    "Membership",
    "Message",
    "MessageReport",
    "Notification",
    "NotificationPreference",
    "Photo",
    "SavedSearch",
    "SearchOutboxEntry",
    "StoreItem",
    "User",
]
