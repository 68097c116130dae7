"""HTML pages of alerts: one's saved searches with their last matches (edit, pause, delete),
the form that saves a search from the search page, and the "neighbours want this" panel of an
offer's page.

The search page's "Créer une alerte" submits the search's own form (a GET) to ``/alertes/nouvelle``,
which shows what will be watched and asks how to be told; its POST saves. Every action is a
form POST of its own, followed by a 303.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.alerts.criteria import LIST_KEYS, Criteria, checked_criteria
from marketplace.alerts.dependencies import ALERT_DEPENDENCIES
from marketplace.alerts.matching import change_pending
from marketplace.alerts.models import AlertMatch, Frequency
from marketplace.alerts.service import (
    DEFAULT_DIGEST_HOUR,
    SIZE_STEPS,
    AlertService,
    Settings,
    checked_settings,
)
from marketplace.communities.attributes import CONDITIONS, value_label
from marketplace.communities.visibility import can_read
from marketplace.discovery.pages import before_posting_context
from marketplace.discovery.queries import category_names
from marketplace.listings.models import Listing, ListingKind, ListingStatus
from marketplace.listings.providers import provide_listings
from marketplace.listings.service import ListingService
from marketplace.notifications.models import Delivery, NotificationKind
from marketplace.notifications.record import delivery_for
from marketplace.web.forms import see_other, text, values
from marketplace.web.i18n import N_
from marketplace.web.i18n import gettext as _
from marketplace.web.labels import kind_label
from marketplace.web.templating import render

ALERTS_PATH = "/alertes"
FREQUENCY_LABELS = {
    Frequency.INSTANT: N_("Tout de suite"),
    Frequency.DAILY: N_("Un résumé par jour"),
    Frequency.OFF: N_("En pause"),
}
DELIVERY_HINTS = {
    Delivery.EMAIL: N_("Vos alertes arrivent dans vos notifications et par e-mail."),
    Delivery.IN_APP: N_("Vos alertes arrivent dans vos notifications sur le site (pas d'e-mail)."),
    Delivery.OFF: N_("Vous avez coupé les notifications d'alertes : rien ne vous sera signalé."),
}


def _price(raw: str) -> float | str | None:
    cleaned = raw.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return raw  # refused by the checks, with their message


def criteria_from(source: dict[str, Any]) -> dict[str, Any]:
    """The search's parameters from a form or a query string (as the search page names them)."""
    raw: dict[str, Any] = {key: values(source, key) for key in LIST_KEYS}
    raw["q"] = text(source, "q")
    raw["min_price"] = _price(text(source, "min_price"))
    raw["max_price"] = _price(text(source, "max_price"))
    return raw


def _int_or_none(raw: str) -> int | None:
    try:
        return int(raw) if raw.strip() else None
    except ValueError:
        return -1  # refused by the checks, with their message


async def summary(session: AsyncSession, criteria: Criteria) -> list[str]:
    """What an alert watches, in words (its filters as the search page labels them)."""
    parts: list[str] = []
    if criteria.q:
        parts.append(_("« %(q)s »", q=criteria.q))
    names = await category_names(session, criteria.category)
    parts.extend(names.get(value, "") for value in criteria.category if names.get(value))
    parts.extend(kind_label(value) for value in criteria.kind)
    parts.extend(value_label(value) for value in criteria.size)
    parts.extend(_("pointure %(size)s", size=value) for value in criteria.shoe_size)
    parts.extend(_(CONDITIONS[value]) for value in criteria.condition if value in CONDITIONS)
    parts.extend(value_label(value) for value in criteria.gender)
    parts.extend(criteria.area)
    parts.extend(criteria.community)
    if criteria.min_price is not None:
        parts.append(_("dès %(price)s €", price=f"{criteria.min_price:g}"))
    if criteria.max_price is not None:
        parts.append(_("jusqu'à %(price)s €", price=f"{criteria.max_price:g}"))
    return parts or [_("Toutes les annonces de mes groupes")]


def _form_context(criteria: Criteria, settings: Settings, lines: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "criteria": criteria,
        "hidden": [(key, value) for key in LIST_KEYS for value in getattr(criteria, key)]
        + [
            (key, f"{value:g}")
            for key in ("min_price", "max_price")
            if (value := getattr(criteria, key)) is not None
        ],
        "settings": settings,
        "summary": lines,
        "frequencies": [(value.value, _(label)) for value, label in FREQUENCY_LABELS.items()],
        "hours": list(range(24)),
        "size_steps": SIZE_STEPS,
        "errors": {},
        **extra,
    }


class AlertPages(Controller):
    include_in_schema = False
    dependencies = {**ALERT_DEPENDENCIES, "listings": Provide(provide_listings)}

    @get(ALERTS_PATH, name="alerts")
    async def list_page(self, user: User, viewer: Viewer, alerts: AlertService) -> Template:
        """My alerts, each with its latest matches."""
        saved = await alerts.mine(user.id)
        recent = await alerts.recent_matches(viewer, [item.id for item in saved])
        counts = await alerts.match_counts(user.id)
        items = []
        for item in saved:
            try:
                criteria = checked_criteria(item.criteria)
            except ValidationException:
                criteria = Criteria()
            items.append(
                {
                    "saved": item,
                    "criteria": criteria,
                    "summary": await summary(alerts.session, criteria),
                    "matches": recent.get(item.id, []),
                    "count": counts.get(item.id, 0),
                    "frequency": _(FREQUENCY_LABELS[item.frequency]),
                }
            )
        delivery = await delivery_for(alerts.session, user.id, NotificationKind.ALERTS)
        return render("alerts/list.html", items=items, delivery_hint=_(DELIVERY_HINTS[delivery]))

    @get(f"{ALERTS_PATH}/nouvelle", name="alert-new")
    async def new(self, request: Request[Any, Any, Any], user: User, alerts: AlertService) -> Template:
        """The form saving the search of the page it comes from (its parameters in the URL)."""
        try:
            criteria = checked_criteria(criteria_from(dict(request.query_params.dict())))
        except ValidationException as error:
            return render(
                "alerts/form.html",
                status_code=400,
                error=str(error.detail),
                **_form_context(Criteria(), Settings(), []),
            )
        lines = await summary(alerts.session, criteria)
        return render("alerts/form.html", action=ALERTS_PATH, **_form_context(criteria, Settings(), lines))

    async def _posted(self, request: Request[Any, Any, Any]) -> tuple[dict[str, Any], Criteria, Settings]:
        form = dict((await request.form()).dict())
        criteria = checked_criteria(criteria_from(form))
        frequency_raw = text(form, "frequency")
        frequency = (
            Frequency(frequency_raw) if frequency_raw in Frequency._value2member_map_ else Frequency.INSTANT
        )
        hour = _int_or_none(text(form, "digest_hour"))
        step = (
            _int_or_none(text(form, "size_step_months"))
            if text(form, "grow") or text(form, "size_step_months")
            else None
        )
        settings = checked_settings(
            criteria, frequency, DEFAULT_DIGEST_HOUR if hour is None else hour, step, text(form, "name")
        )
        return form, criteria, settings

    @post(ALERTS_PATH, name="alert-create")
    async def create(
        self, request: Request[Any, Any, Any], user: User, viewer: Viewer, alerts: AlertService
    ) -> Template | Redirect:
        try:
            _form, criteria, settings = await self._posted(request)
            await alerts.create(viewer, criteria, settings)
        except ValidationException as error:
            return render(
                "alerts/form.html", status_code=400, action=ALERTS_PATH, error=str(error.detail),
                **_form_context(Criteria(), Settings(), []),
            )  # fmt: skip
        flash(request, _("Alerte créée : vous serez prévenu·e des nouvelles annonces."), category="success")
        return see_other(ALERTS_PATH)

    @get(f"{ALERTS_PATH}/{{saved_search_id:uuid}}/modifier", name="alert-edit")
    async def edit_form(self, saved_search_id: uuid.UUID, user: User, alerts: AlertService) -> Template:
        saved = await alerts.own(user.id, saved_search_id)
        criteria = checked_criteria(saved.criteria)
        settings = Settings(saved.frequency, saved.digest_hour, saved.size_step_months, saved.name)
        lines = await summary(alerts.session, criteria)
        return render(
            "alerts/form.html", action=f"{ALERTS_PATH}/{saved.id}", saved=saved,
            **_form_context(criteria, settings, lines),
        )  # fmt: skip

    @post(f"{ALERTS_PATH}/{{saved_search_id:uuid}}", name="alert-update")
    async def update(
        self,
        saved_search_id: uuid.UUID,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        alerts: AlertService,
    ) -> Template | Redirect:
        saved = await alerts.own(user.id, saved_search_id)
        try:
            _form, criteria, settings = await self._posted(request)
            await alerts.update(viewer, saved, criteria, settings)
        except ValidationException as error:
            criteria = checked_criteria(saved.criteria)
            current = Settings(saved.frequency, saved.digest_hour, saved.size_step_months, saved.name)
            lines = await summary(alerts.session, criteria)
            return render(
                "alerts/form.html", status_code=400, action=f"{ALERTS_PATH}/{saved.id}", saved=saved,
                error=str(error.detail), **_form_context(criteria, current, lines),
            )  # fmt: skip
        flash(request, _("Alerte modifiée."), category="success")
        return see_other(ALERTS_PATH)

    @post(f"{ALERTS_PATH}/{{saved_search_id:uuid}}/pause", name="alert-pause")
    async def pause(
        self, saved_search_id: uuid.UUID, request: Request[Any, Any, Any], user: User, alerts: AlertService
    ) -> Redirect:
        await alerts.set_frequency(await alerts.own(user.id, saved_search_id), Frequency.OFF)
        flash(request, _("Alerte en pause."), category="success")
        return see_other(ALERTS_PATH)

    @post(f"{ALERTS_PATH}/{{saved_search_id:uuid}}/reprendre", name="alert-resume")
    async def resume(
        self, saved_search_id: uuid.UUID, request: Request[Any, Any, Any], user: User, alerts: AlertService
    ) -> Redirect:
        await alerts.set_frequency(await alerts.own(user.id, saved_search_id), Frequency.INSTANT)
        flash(request, _("Alerte reprise : vous serez prévenu·e tout de suite."), category="success")
        return see_other(ALERTS_PATH)

    @post(f"{ALERTS_PATH}/{{saved_search_id:uuid}}/supprimer", name="alert-delete")
    async def delete(
        self, saved_search_id: uuid.UUID, request: Request[Any, Any, Any], user: User, alerts: AlertService
    ) -> Redirect:
        await alerts.delete(await alerts.own(user.id, saved_search_id))
        flash(request, _("Alerte supprimée."), category="success")
        return see_other(ALERTS_PATH)

    # --- an offer's page: the neighbours who want it -----------------------------------------------

    @get("/listings/{listing_id:uuid}/demandes", name="listing-wanted-by")
    async def wanted_by(
        self,
        listing_id: uuid.UUID,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        listings: ListingService,
    ) -> Template:
        """The available wanted listings an offer answers ("2 voisins cherchent ça"): those whose
        watch found it, and those the search before posting finds for its title, as the offer's
        reader may see them (an htmx partial of the listing page, also a page without htmx)."""
        listing = await listings.visible(viewer, listing_id)
        wanted: dict[str, dict[str, Any]] = {}
        if listing.kind is not ListingKind.WANTED and listing.status is ListingStatus.AVAILABLE:
            rows = await db_session.execute(
                select(Listing)
                .join(AlertMatch, AlertMatch.wanted_id == Listing.id)
                .where(
                    AlertMatch.listing_id == listing.id,
                    Listing.status == ListingStatus.AVAILABLE,
                    can_read(viewer, Listing.community_id.expression),
                )
                .order_by(AlertMatch.created_at.desc())
            )
            for item in rows.unique().scalars():
                wanted[str(item.id)] = {"id": str(item.id), "title": item.title, "area": item.pickup_area}
            context = await before_posting_context(
                request, viewer, db_session, listing.title, listing.kind.value
            )
            hit_ids = [uuid.UUID(hit.id) for hit in context["hits"]]
            authors = (
                dict(
                    (
                        await db_session.execute(
                            select(Listing.id, Listing.author_id).where(Listing.id.in_(hit_ids))
                        )
                    ).all()
                )
                if hit_ids
                else {}
            )
            for hit in context["hits"]:
                if authors.get(uuid.UUID(hit.id)) not in (None, listing.author_id):
                    wanted.setdefault(hit.id, {"id": hit.id, "title": hit.title, "area": hit.pickup_area})
        # Until the matcher has read the offer's change (seconds after posting), the panel asks
        # again by itself: the post-confirmation page fills in without a reload.
        pending = listing.status is ListingStatus.AVAILABLE and await change_pending(db_session, listing.id)
        template = "alerts/_wanted_by.html"
        if not request.headers.get("hx-request"):
            template = "alerts/wanted_by.html"
        return render(template, listing=listing, wanted=list(wanted.values()), pending=pending)
