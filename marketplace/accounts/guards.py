"""Who may do what with an account: posting and writing to neighbours wait for a confirmed address.

A plain function, so that the services that post and send messages (listings, exchanges) call it
on every path (pages, API, anything later), and the controllers may also declare it as a
dependency (``dependencies.require_verified``)."""

from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.errors import Forbidden
from marketplace.web.i18n import gettext as _


def ensure_verified(user: User) -> User:
    """``user``, if their address is confirmed; 403 saying what to do otherwise.

    Browsing and asking to join a group do not call this: an unverified account may do those."""
    if not user.is_verified:
        raise Forbidden(
            detail=_(
                "Confirmez d'abord votre adresse e-mail : suivez le lien que nous vous avons envoyé "
                "(ou demandez-en un nouveau depuis « Mon compte »)."
            )
        )
    return user
