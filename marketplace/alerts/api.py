"""JSON API of saved searches: ``GET|POST /api/v1/saved-searches``,
``PATCH|DELETE /api/v1/saved-searches/{id}``. Somebody else's saved search is a 404."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, delete, get, patch, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.alerts.criteria import LIST_KEYS, checked_criteria
from marketplace.alerts.dependencies import ALERT_DEPENDENCIES
from marketplace.alerts.models import Frequency
from marketplace.alerts.schemas import SavedSearchInput, SavedSearchList, SavedSearchOut, SavedSearchPatch
from marketplace.alerts.service import AlertService, checked_settings
from marketplace.web.openapi import errors

CRITERIA_KEYS = frozenset({"q", "min_price", "max_price", *LIST_KEYS})


class SavedSearchApi(Controller):
    path = "/api/v1/saved-searches"
    tags = ("alerts",)
    dependencies = ALERT_DEPENDENCIES

    @get("/", operation_id="listSavedSearches", responses=errors(401))
    async def list_saved_searches(self, user: User, alerts: AlertService) -> SavedSearchList:
        """My saved searches, the newest first, with how many listings each has found."""
        saved = await alerts.mine(user.id)
        counts = await alerts.match_counts(user.id)
        items = [
            SavedSearchOut.of(item, checked_criteria(item.criteria), counts.get(item.id, 0)) for item in saved
        ]
        return SavedSearchList(items=items, total=len(items))

    @post(
        "/",
        operation_id="createSavedSearch",
        status_code=HTTP_201_CREATED,
        responses=errors(400, 401),
    )
    async def create_saved_search(
        self, data: SavedSearchInput, user: User, viewer: Viewer, alerts: AlertService
    ) -> SavedSearchOut:
        """Save a search as an alert: ``q`` and the filters of ``/api/v1/search`` (within my
        groups), told at once (``instant``), in a daily digest at ``digest_hour`` (``daily``), or
        paused (``off``). With a size, ``size_step_months`` moves it along the scale by itself."""
        criteria = checked_criteria(data.criteria())
        settings = checked_settings(
            criteria, data.frequency, data.digest_hour, data.size_step_months, data.name
        )
        saved = await alerts.create(viewer, criteria, settings)
        return SavedSearchOut.of(saved, criteria)

    @patch("/{saved_search_id:uuid}", operation_id="updateSavedSearch", responses=errors(400, 401, 404))
    async def update_saved_search(
        self,
        saved_search_id: uuid.UUID,
        data: SavedSearchPatch,
        user: User,
        viewer: Viewer,
        alerts: AlertService,
    ) -> SavedSearchOut:
        """Change a saved search's query or how it tells me (``frequency: off`` pauses it)."""
        saved = await alerts.own(user.id, saved_search_id)
        changes = data.changes()
        raw: dict[str, Any] = {
            **saved.criteria,
            **{key: changes[key] for key in CRITERIA_KEYS & changes.keys()},
        }
        criteria = checked_criteria(raw)
        settings = checked_settings(
            criteria,
            Frequency(changes.get("frequency", saved.frequency)),
            int(changes.get("digest_hour", saved.digest_hour)),
            changes.get("size_step_months", saved.size_step_months),
            str(changes.get("name", saved.name)),
        )
        saved = await alerts.update(viewer, saved, criteria, settings)
        counts = await alerts.match_counts(user.id)
        return SavedSearchOut.of(saved, criteria, counts.get(saved.id, 0))

    @delete(
        "/{saved_search_id:uuid}",
        operation_id="deleteSavedSearch",
        status_code=HTTP_204_NO_CONTENT,
        responses=errors(400, 401, 404),
    )
    async def delete_saved_search(self, saved_search_id: uuid.UUID, user: User, alerts: AlertService) -> None:
        """Delete a saved search and what it found."""
        await alerts.delete(await alerts.own(user.id, saved_search_id))
