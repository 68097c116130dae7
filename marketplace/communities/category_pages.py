"""The categories page of a community: its admins add, rename, order, archive and merge them.

One POST per change (``/categories/{id}/edit``, ``/up``, ``/down``, ``/archive``, ``/unarchive``,
``/merge``), each answered by a 303 back to the page; a refusal comes back as a flash message.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.attributes import ATTRIBUTE_KEYS, CATALOGUE
from marketplace.communities.category_service import CategoryService
from marketplace.communities.dependencies import CONTENT_DEPENDENCIES
from marketplace.communities.guards import CommunityAccess
from marketplace.communities.models import Category, Community
from marketplace.errors import InvalidInput, NotFound
from marketplace.listings.service import ListingService
from marketplace.web.forms import FormData, back_with_error, see_other, text, values
from marketplace.web.i18n import gettext as _
from marketplace.web.templating import render


@dataclass(frozen=True)
class CategoryGroup:
    """A top-level category and its sub-categories, with their listing counts."""

    parent: Category
    children: list[Category]


def _uuid_or_none(value: str, field: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise InvalidInput(field, _("Choix invalide.")) from error


async def _save(categories: CategoryService, category: Category, data: dict[str, Any]) -> str:
    await categories.update_category(
        category,
        name=text(data, "name"),
        parent_id=_uuid_or_none(text(data, "parent_id"), "parent_id"),
        attributes=values(data, "attributes"),
    )
    return _("Catégorie « %(name)s » enregistrée.", name=category.name)


async def _move(categories: CategoryService, category: Category, offset: int) -> str:
    await categories.move(category, offset)
    return _("Ordre des catégories modifié.")


async def _archive(categories: CategoryService, category: Category, archived: bool) -> str:
    await categories.update_category(category, archived=archived)
    if archived:
        return _("Catégorie « %(name)s » archivée.", name=category.name)
    return _("Catégorie « %(name)s » de nouveau proposée.", name=category.name)


async def _merge(listings: ListingService, category: Category, data: dict[str, Any]) -> str:
    into_id = _uuid_or_none(text(data, "into"), "into")
    if into_id is None:
        raise InvalidInput("into", _("Choisissez la catégorie où déplacer les annonces."))
    into, moved = await listings.merge_categories(category, into_id)
    return _(
        "%(count)s annonce(s) déplacée(s) dans « %(into)s » ; « %(name)s » est archivée.",
        count=moved,
        into=into.name,
        name=category.name,
    )


async def provide_managed_category(
    category_id: uuid.UUID,
    user: User,
    community: Community,
    access: CommunityAccess,
    categories: CategoryService,
) -> Category:
    """The category of the path, for the admins of its community (404 if it is another's)."""
    access.require_admin()
    category = await categories.by_id(category_id)
    if category.community_id != community.id:
        raise NotFound(_("Cette catégorie n'existe pas."))
    return category


async def _changed(request: Request[Any, Any, Any], community: Community, change: Awaitable[str]) -> Redirect:
    """Back to the categories page, with the message ``change`` returns, or why it was refused."""
    page = f"/communities/{community.slug}/categories"
    try:
        done = await change
    except HTTPException as error:
        return back_with_error(request, page, error)
    flash(request, done, category="success")
    return see_other(page)


class CategoryPages(Controller):
    include_in_schema = False
    dependencies = {
        **CONTENT_DEPENDENCIES,
        "category": Provide(provide_managed_category),
    }
    path = "/communities/{slug:str}/categories"

    @get("/", name="community-categories")
    async def categories_page(
        self,
        user: User,
        viewer: Viewer,
        community: Community,
        access: CommunityAccess,
        categories: CategoryService,
        listings: ListingService,
    ) -> Template:
        access.require_admin()
        return await self._render(categories, listings, viewer, community, form={}, errors={})

    async def _render(
        self,
        categories: CategoryService,
        listings: ListingService,
        viewer: Viewer,
        community: Community,
        form: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        every = await categories.tree(community.id, include_archived=True)
        groups = [
            CategoryGroup(parent, [child for child in every if child.parent_id == parent.id])
            for parent in every
            if parent.parent_id is None
        ]
        return render(
            "communities/categories.html",
            status_code=status_code,
            community=community,
            groups=groups,
            every=every,
            parents=[category for category in every if category.parent_id is None and not category.archived],
            counts=await listings.counts_per_category(viewer, community.id),
            catalogue=[(key, CATALOGUE[key].label) for key in ATTRIBUTE_KEYS],
            form=form,
            errors=errors,
        )

    @post("/")
    async def create(
        self,
        data: FormData,
        user: User,
        viewer: Viewer,
        community: Community,
        access: CommunityAccess,
        categories: CategoryService,
        listings: ListingService,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        access.require_admin()
        try:
            category = await categories.create_category(
                community.id,
                name=text(data, "name"),
                parent_id=_uuid_or_none(text(data, "parent_id"), "parent_id"),
                attributes=values(data, "attributes"),
            )
        except InvalidInput as error:
            return await self._render(
                categories, listings, viewer, community, data, error.field_errors, status_code=400
            )
        except HTTPException as error:
            return await self._render(
                categories,
                listings,
                viewer,
                community,
                data,
                {"name": str(error.detail)},
                status_code=error.status_code,
            )
        flash(request, _("Catégorie « %(name)s » créée.", name=category.name), category="success")
        return see_other(f"/communities/{community.slug}/categories")

    @post("/{category_id:uuid}/edit")
    async def edit(
        self,
        data: FormData,
        community: Community,
        category: Category,
        categories: CategoryService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        return await _changed(request, community, _save(categories, category, data))

    @post("/{category_id:uuid}/up")
    async def up(
        self,
        community: Community,
        category: Category,
        categories: CategoryService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        return await _changed(request, community, _move(categories, category, -1))

    @post("/{category_id:uuid}/down")
    async def down(
        self,
        community: Community,
        category: Category,
        categories: CategoryService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        return await _changed(request, community, _move(categories, category, 1))

    @post("/{category_id:uuid}/archive")
    async def archive(
        self,
        community: Community,
        category: Category,
        categories: CategoryService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        return await _changed(request, community, _archive(categories, category, archived=True))

    @post("/{category_id:uuid}/unarchive")
    async def unarchive(
        self,
        community: Community,
        category: Category,
        categories: CategoryService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        return await _changed(request, community, _archive(categories, category, archived=False))

    @post("/{category_id:uuid}/merge")
    async def merge(
        self,
        data: FormData,
        community: Community,
        category: Category,
        listings: ListingService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        return await _changed(request, community, _merge(listings, category, data))
