"""The signed links of e-mails, the SMTP address, and the retry schedule."""

from __future__ import annotations

import datetime

import pytest

from marketplace.notifications.outbox import LAST_RETRY, retry_delay
from marketplace.notifications.tokens import BadToken, sign, unsign
from marketplace.notifications.transport import SmtpTransport

SECRET = "s" * 40


def test_a_signed_link_reads_back_only_for_its_purpose_and_secret() -> None:
    token = sign(SECRET, "unsubscribe", "0190-user", "messages")
    assert unsign(SECRET, "unsubscribe", token, parts=2) == ["0190-user", "messages"]
    for purpose, secret in (("relist", SECRET), ("unsubscribe", "t" * 40)):
        with pytest.raises(BadToken):
            unsign(secret, purpose, token, parts=2)


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.def", "é.é", "YQ.x" * 3])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(BadToken):
        unsign(SECRET, "unsubscribe", token, parts=2)


def test_the_smtp_address_gives_host_port_credentials_and_tls() -> None:
    plain = SmtpTransport.from_url("smtp://mailpit:1025")
    assert (plain.host, plain.port, plain.username, plain.implicit_tls, plain.starttls) == (
        "mailpit",
        1025,
        "",
        False,
        False,
    )
    relay = SmtpTransport.from_url("smtp://me%40example.org:p%40ss@relay.example.org:587?starttls=1")
    assert (relay.username, relay.password, relay.port, relay.starttls) == (
        "me@example.org",
        "p@ss",
        587,
        True,
    )
    assert SmtpTransport.from_url("smtps://relay.example.org").port == 465
    with pytest.raises(ValueError, match="MARKETPLACE_SMTP_URL"):
        SmtpTransport.from_url("http://relay.example.org")


def test_retries_wait_longer_each_time_up_to_six_hours() -> None:
    delays = [retry_delay(attempt) for attempt in range(1, 15)]
    assert delays[0] == datetime.timedelta(minutes=1) and delays[1] == datetime.timedelta(minutes=2)
    assert delays == sorted(delays) and delays[-1] == LAST_RETRY
