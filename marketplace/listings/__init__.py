"""Listings: posting, editing, the status life cycle, browsing, import."""
