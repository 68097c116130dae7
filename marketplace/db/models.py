"""Imports every model so that Alembic and the metadata see the whole schema."""

from marketplace.accounts.models import AccountLink, ApiToken, User
from marketplace.alerts.models import AlertMatch, MatchedChange, SavedSearch
from marketplace.communities.models import Category, Community, Membership
from marketplace.db.store_model import StoreItem
from marketplace.exchanges.models import Block, Conversation, Draw, Handover, Message, MessageReport
from marketplace.favourites.models import Favourite
from marketplace.indexing.models import SearchOutboxEntry
from marketplace.listings.models import Listing
from marketplace.moderation.audit_model import AuditEntry
from marketplace.moderation.models import ListingReport
from marketplace.notifications.models import EmailOutboxEntry, Notification, NotificationPreference
from marketplace.photos.models import Photo

__all__ = [
    "AccountLink",
    "AlertMatch",
    "ApiToken",
    "AuditEntry",
    "Block",
    "Category",
    "Community",
    "Conversation",
    "Draw",
    "EmailOutboxEntry",
    "Favourite",
    "Handover",
    "Listing",
    "ListingReport",
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
