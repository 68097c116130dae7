"""Account tests send their e-mails to the real SMTP server of the notifications' tests."""

from tests.integration.notifications.conftest import mailbox, settings, smtp_server

__all__ = ["mailbox", "settings", "smtp_server"]
