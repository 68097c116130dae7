"""Moderation: reports of listings and messages, the moderators' queue, the audit log, posting rules."""
