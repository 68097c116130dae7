"""What a notice says, in the reader's language: its title, its lines, where its link goes.

One place for the words of every event, shared by the in-app list, the API and the e-mails.
Several notices of one e-mail (the messages of a conversation) are told together.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from marketplace.communities.attributes import value_label
from marketplace.notifications.models import Notification
from marketplace.web.i18n import N_, ngettext
from marketplace.web.i18n import gettext as _


@dataclass(frozen=True)
class Wording:
    title: str
    lines: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)  # what neighbours wrote, shown as quotes
    link: str = "/notifications"  # a path of the site
    link_label: str = ""
    action_link: str = ""  # a second, one-click link (relist)
    action_label: str = ""


# Events whose title is one sentence about the listing: (title, line).
SIMPLE: dict[str, tuple[str, str]] = {
    "reservation.others": (
        N_("« %(title)s » est réservé pour un autre voisin"),
        N_("Vous restez dans la file : si la remise ne se fait pas, l'annonce pourra vous revenir."),
    ),
    "reservation.released": (
        N_("La réservation de « %(title)s » est annulée"),
        N_("L'auteur a remis l'objet à la personne suivante de la file ou de nouveau en ligne."),
    ),
    "listing.given": (
        N_("« %(title)s » a trouvé preneur"),
        N_("L'objet est parti chez un autre voisin. Merci de votre intérêt, et à bientôt !"),
    ),
    "listing.closed": (
        N_("« %(title)s » n'est plus disponible"),
        N_("L'auteur a retiré l'annonce. Merci de votre intérêt, et à bientôt !"),
    ),
    "draw.lost": (
        N_("Tirage au sort de « %(title)s » : pas cette fois"),
        N_("Un autre voisin a été tiré au sort. Vous restez dans la file si la remise ne se fait pas."),
    ),
    "draw.empty": (
        N_("Personne n'a participé au tirage au sort de « %(title)s »"),
        N_("Votre annonce reste en ligne : vous pouvez la réserver à la prochaine personne intéressée."),
    ),
}


def _listing_link(notice: Notification) -> str:
    return f"/listings/{notice.listing_id}" if notice.listing_id else "/notifications"


def _conversation_link(notice: Notification) -> str:
    return f"/conversations/{notice.conversation_id}" if notice.conversation_id else _listing_link(notice)


def describe(
    notices: Sequence[Notification],
    actor_names: Mapping[uuid.UUID, str] | None = None,
    *,
    relist_link: str = "",
) -> Wording:
    """The words of ``notices`` (one, or the grouped messages of one conversation)."""
    first = notices[-1]
    data = first.data or {}
    names = actor_names or {}
    actor = names.get(first.actor_id, "") if first.actor_id else ""
    actor = actor or _("Un voisin")
    title = str(data.get("listing_title", ""))
    event = first.event
    if event == "message.new":
        count = len(notices)
        return Wording(
            title=ngettext(
                "Nouveau message de %(name)s à propos de « %(title)s »",
                "%(num)s nouveaux messages de %(name)s à propos de « %(title)s »",
                count,
                name=actor,
                title=title,
            ),
            quotes=[str((notice.data or {}).get("excerpt", "")) for notice in notices],
            link=_conversation_link(first),
            link_label=_("Répondre"),
        )
    if event in ("reservation.yours", "draw.won"):
        lines = [
            _("%(name)s vous a réservé « %(title)s ».", name=actor, title=title)
            if event == "reservation.yours"
            else _("Vous avez été tiré·e au sort pour « %(title)s ».", title=title)
        ]
        if data.get("pickup_area"):
            lines.append(_("Lieu de retrait : %(area)s.", area=str(data["pickup_area"])))
        lines.append(_("Convenez du moment de la remise dans la conversation."))
        return Wording(
            title=_("« %(title)s » vous est réservé", title=title)
            if event == "reservation.yours"
            else _("Vous avez gagné le tirage au sort de « %(title)s »", title=title),
            lines=lines,
            link=_conversation_link(first),
            link_label=_("Ouvrir la conversation"),
        )
    if event in SIMPLE:
        headline, line = SIMPLE[event]
        return Wording(
            title=_(headline, title=title),
            lines=[_(line)],
            link=_conversation_link(first) if event != "draw.empty" else _listing_link(first),
            link_label=_("Voir l'annonce") if event == "draw.empty" else _("Ouvrir la conversation"),
        )
    if event == "handover.thanks":
        lines = [_("%(name)s a bien reçu « %(title)s » et vous dit merci.", name=actor, title=title)]
        return Wording(
            title=_("%(name)s vous dit merci", name=actor),
            lines=lines,
            quotes=[str(data["thanks"])] if data.get("thanks") else [],
            link=_listing_link(first),
            link_label=_("Voir l'annonce"),
        )
    if event in ("membership.approved", "membership.rejected"):
        community = str(data.get("community_name", ""))
        link = (
            f"/communities/{data.get('community_slug', '')}" if data.get("community_slug") else "/communities"
        )
        if event == "membership.approved":
            return Wording(
                title=_("Bienvenue dans « %(community)s »", community=community),
                lines=[_("Votre demande est acceptée : vous pouvez publier et répondre aux annonces.")],
                link=link,
                link_label=_("Voir le groupe"),
            )
        return Wording(
            title=_("Votre demande pour « %(community)s » n'est pas acceptée", community=community),
            lines=[_("Les modérateurs du groupe ont refusé votre demande.")],
            quotes=[str(data["message"])] if data.get("message") else [],
            link=link,
            link_label=_("Voir le groupe"),
        )
    if event == "listing.expiring":
        return Wording(
            title=_("« %(title)s » expire dans 3 jours", title=title),
            lines=[
                _("Votre annonce ne sera plus visible après cette date."),
                _("Toujours disponible ? Remettez-la en ligne pour une nouvelle durée, en un clic."),
            ],
            link=_listing_link(first),
            link_label=_("Voir l'annonce"),
            action_link=relist_link,
            action_label=_("Remettre en ligne") if relist_link else "",
        )
    if event == "moderation.warning":
        # The moderators' own words; never who reported (a report stays anonymous to its subject).
        community = str(data.get("community_name", ""))
        about = (
            _("À propos de votre message dans la conversation sur « %(title)s ».", title=title)
            if data.get("about") == "message"
            else _("À propos de votre annonce « %(title)s ».", title=title)
        )
        return Wording(
            title=_("Avertissement des modérateurs de « %(community)s »", community=community),
            lines=[about, _("Message des modérateurs :")],
            quotes=[str(data.get("reason", ""))],
            link=_listing_link(first),
            link_label=_("Voir l'annonce"),
        )
    if event == "listing.removed":
        return Wording(
            title=_("Votre annonce « %(title)s » a été retirée par la modération", title=title),
            lines=[_("Raison donnée par le modérateur :")],
            quotes=[str(data.get("reason", ""))],
            link=_listing_link(first),
            link_label=_("Voir l'annonce"),
        )
    if event.startswith("alerts."):
        return _alert_wording(first, data, title)
    return Wording(title=title or _("Nouvelle notification"), link=_listing_link(first))


# --- alerts (saved searches, wanted listings, sizes that move on) -------------------------------


def _sizes_text(data: Mapping[str, object]) -> str:
    sizes = [value_label(str(size)) for size in data.get("sizes") or []]  # type: ignore[attr-defined]
    shoes = data.get("shoe_sizes") or []
    sizes += [_("pointure %(size)s", size=str(size)) for size in shoes]  # type: ignore[attr-defined]
    return ", ".join(sizes)


def _alert_wording(first: Notification, data: Mapping[str, object], title: str) -> Wording:
    event = first.event
    search = str(data.get("search_name", ""))
    if event == "alerts.match":
        return Wording(
            title=_("Nouvelle annonce pour votre alerte « %(search)s »", search=search),
            lines=[_("« %(title)s » correspond à votre recherche.", title=title)],
            link=_listing_link(first),
            link_label=_("Voir l'annonce"),
        )
    if event == "alerts.wanted":
        wanted = str(data.get("wanted_title", ""))
        return Wording(
            title=_("Quelqu'un propose ce que vous cherchez : « %(title)s »", title=title),
            lines=[_("Cette annonce correspond à votre demande « %(wanted)s ».", wanted=wanted)],
            link=_listing_link(first),
            link_label=_("Voir l'annonce"),
        )
    if event == "alerts.digest":
        items = list(data.get("items") or [])  # type: ignore[call-overload]
        count = int(data.get("count") or len(items))  # type: ignore[call-overload]
        lines = [
            _(
                "« %(title)s » (alerte « %(search)s »)",
                title=item.get("listing_title", ""),
                search=item.get("search_name", ""),
            )
            for item in items
        ]
        if count > len(items):
            lines.append(_("… et %(num)s autres sur la page de vos alertes.", num=count - len(items)))
        return Wording(
            title=ngettext(
                "%(num)s nouvelle annonce pour vos alertes",
                "%(num)s nouvelles annonces pour vos alertes",
                count,
            ),
            lines=lines,
            link=_listing_link(first) if count == 1 and first.listing_id else "/alertes",
            link_label=_("Voir l'annonce") if count == 1 and first.listing_id else _("Voir mes alertes"),
        )
    if event == "alerts.size_grown":
        return Wording(
            title=_("Votre alerte « %(search)s » passe à la taille suivante", search=search),
            lines=[
                _("Elle cherche désormais : %(sizes)s.", sizes=_sizes_text(data)),
                _("Vous pouvez changer la taille ou arrêter qu'elle avance depuis la page de vos alertes."),
            ],
            link="/alertes",
            link_label=_("Voir mes alertes"),
        )
    return Wording(title=title or _("Nouvelle notification"), link="/alertes")
