"""Every write on the curated categories of a community.

Categories nest one level (a category or a sub-category of a top-level one); names are unique
among siblings, case-insensitively, archived ones included (so unarchiving never clashes).
Positions number the siblings 0, 1, 2 … and are renumbered on every change. An archived category
(or a sub-category of an archived one) is hidden from the posting form, but its listings stay
readable. A merge (``ListingService.merge_categories``, as it moves listings) checks its target
here, then has the target absorb the source: the attribute keys the moved listings may carry,
and the source archived. A rename, a move in the tree or an (un)archiving records a change for
the search index, in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import select

from marketplace.communities.attributes import ATTRIBUTE_KEYS, CATALOGUE
from marketplace.communities.category_templates import TEMPLATES
from marketplace.communities.models import Category
from marketplace.errors import Conflict, InvalidInput, NotFound
from marketplace.indexing.changes import record_change
from marketplace.indexing.models import ChangeSubject
from marketplace.web.i18n import gettext as _

NAME_MAX = 80
EDITABLE_FIELDS = ("name", "parent_id", "attributes", "position", "archived")


def clean_attribute_keys(keys: Iterable[str], field: str = "attributes") -> list[str]:
    """Keys of the catalogue, deduplicated, in the catalogue's order; InvalidInput on unknown keys."""
    keys = [str(key).strip() for key in keys]
    unknown = [key for key in keys if key not in CATALOGUE]
    if unknown:
        raise InvalidInput(
            field,
            _(
                "Attribut inconnu : %(keys)s. Attributs possibles : %(known)s.",
                keys=", ".join(unknown),
                known=", ".join(ATTRIBUTE_KEYS),
            ),
        )
    return [key for key in ATTRIBUTE_KEYS if key in keys]


def _clean_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise InvalidInput("name", _("Indiquez le nom de la catégorie."))
    if len(name) > NAME_MAX:
        raise InvalidInput("name", _("Le nom doit faire au plus %(max)s caractères.", max=NAME_MAX))
    return name


def _in_tree_order(categories: Sequence[Category]) -> list[Category]:
    """Top-level categories by position, each followed by its sub-categories by position."""
    ordered = sorted(categories, key=lambda category: (category.position, category.name.casefold()))
    children: dict[uuid.UUID, list[Category]] = defaultdict(list)
    ids = {category.id for category in categories}
    top: list[Category] = []
    for category in ordered:
        if category.parent_id is not None and category.parent_id in ids:
            children[category.parent_id].append(category)
        else:
            top.append(category)
    result: list[Category] = []
    for parent in top:
        result.append(parent)
        result.extend(children.get(parent.id, []))
    return result


class CategoryService(SQLAlchemyAsyncRepositoryService[Category]):
    class Repo(SQLAlchemyAsyncRepository[Category]):
        model_type = Category

    repository_type = Repo

    # --- reading -------------------------------------------------------------------------------

    async def _all(self, community_id: uuid.UUID) -> list[Category]:
        rows = await self.repository.session.scalars(
            select(Category).where(Category.community_id == community_id)
        )
        return list(rows)

    async def tree(self, community_id: uuid.UUID, include_archived: bool = False) -> list[Category]:
        """The community's categories, parents then their children, each level by position.

        Without ``include_archived``, archived categories and the children of archived ones are left out
        (what the posting form offers)."""
        categories = _in_tree_order(await self._all(community_id))
        if include_archived:
            return categories
        archived = {category.id for category in categories if category.archived}
        return [
            category
            for category in categories
            if not category.archived and category.parent_id not in archived
        ]

    async def by_id(self, category_id: uuid.UUID) -> Category:
        category = await self.get_one_or_none(Category.id == category_id)
        if category is None:
            raise NotFound(_("Cette catégorie n'existe pas."))
        return category

    async def in_community(self, community_id: uuid.UUID, category_id: uuid.UUID) -> Category:
        """The category a listing is posted in: of this community, and not archived."""
        category = await self.get_one_or_none(
            Category.id == category_id, Category.community_id == community_id
        )
        if category is not None and not category.archived and category.parent_id is not None:
            parent = await self.get_one_or_none(Category.id == category.parent_id)
            if parent is not None and parent.archived:
                category = None
        if category is None or category.archived:
            raise InvalidInput("category_id", _("Choisissez une catégorie de ce groupe."))
        return category

    # --- writing -------------------------------------------------------------------------------

    async def seed(self, community_id: uuid.UUID, template: str) -> list[Category]:
        """The starting categories of a new community, from ``category_templates``."""
        created: list[Category] = []
        for position, seed in enumerate(TEMPLATES.get(template, ())):
            parent = Category(
                community_id=community_id, name=seed.name, position=position, attributes=list(seed.attributes)
            )
            self.repository.session.add(parent)
            await self.repository.session.flush()
            created.append(parent)
            for child_position, child in enumerate(seed.children):
                created.append(
                    Category(
                        community_id=community_id,
                        parent_id=parent.id,
                        name=child.name,
                        position=child_position,
                        attributes=list(child.attributes),
                    )
                )
                self.repository.session.add(created[-1])
        await self.repository.session.flush()
        return created

    async def create_category(
        self,
        community_id: uuid.UUID,
        *,
        name: str,
        parent_id: uuid.UUID | None = None,
        attributes: Iterable[str] = (),
        position: int | None = None,
    ) -> Category:
        """A new category, at ``position`` among its siblings (last by default)."""
        name = _clean_name(name)
        keys = clean_attribute_keys(attributes)
        if parent_id is not None:
            await self._check_parent(community_id, parent_id, moving=None)
        siblings = await self._siblings(community_id, parent_id)
        self._check_unique(name, siblings)
        category = Category(community_id=community_id, parent_id=parent_id, name=name, attributes=keys)
        self.repository.session.add(category)
        self._place(siblings, category, len(siblings) if position is None else position)
        await self.repository.session.flush()
        return category

    async def update_category(self, category: Category, **changes: Any) -> Category:
        """Rename, move under another parent (or to the top level), reorder, change attributes, archive.

        ``changes`` holds only what changes, among ``EDITABLE_FIELDS``."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InvalidInput(sorted(unknown)[0], _("Ce champ ne se modifie pas."))
        seen_before = self._as_readers_see_it(category)
        name = _clean_name(changes["name"]) if "name" in changes else category.name
        keys = clean_attribute_keys(changes["attributes"]) if "attributes" in changes else None
        parent_id = changes.get("parent_id", category.parent_id)
        moving = parent_id != category.parent_id
        if moving and parent_id is not None:
            await self._check_parent(category.community_id, parent_id, moving=category)
        siblings = await self._siblings(category.community_id, parent_id, excluding=category.id)
        if "name" in changes or moving:
            self._check_unique(name, siblings)
        if "archived" in changes:
            category.archived = bool(changes["archived"])
        if keys is not None:
            category.attributes = keys
        category.name = name
        if moving:
            old_siblings = await self._siblings(
                category.community_id, category.parent_id, excluding=category.id
            )
            self._renumber(old_siblings)
            category.parent_id = parent_id
        position = changes.get("position")
        if moving or position is not None:
            self._place(siblings, category, len(siblings) if position is None else int(position))
        if self._as_readers_see_it(category) != seen_before:
            record_change(self.repository.session, ChangeSubject.CATEGORY, category.id)
        await self.repository.session.flush()
        return category

    async def reorder(self, community_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> None:
        """Put the given categories in this order among their siblings.

        ``ids`` may list one set of siblings or the whole tree; siblings left out keep their
        order after the listed ones."""
        if len(set(ids)) != len(ids):
            raise InvalidInput("ids", _("Une catégorie apparaît deux fois."))
        categories = {category.id: category for category in await self._all(community_id)}
        if any(category_id not in categories for category_id in ids):
            raise InvalidInput("ids", _("Ces catégories ne sont pas toutes de ce groupe."))
        listed = set(ids)
        by_parent: dict[uuid.UUID | None, list[Category]] = defaultdict(list)
        for category in sorted(categories.values(), key=lambda item: (item.position, item.name.casefold())):
            by_parent[category.parent_id].append(category)
        for siblings in by_parent.values():
            rank = {category_id: index for index, category_id in enumerate(ids)}
            chosen = sorted((item for item in siblings if item.id in listed), key=lambda item: rank[item.id])
            self._renumber([*chosen, *(item for item in siblings if item.id not in listed)])
        await self.repository.session.flush()

    async def move(self, category: Category, offset: int) -> None:
        """One step up (-1) or down (+1) among its siblings (the pages' arrows)."""
        siblings = await self._siblings(category.community_id, category.parent_id, excluding=category.id)
        current = sorted([*siblings, category], key=lambda item: (item.position, item.name.casefold()))
        self._place(siblings, category, max(0, current.index(category) + offset))
        await self.repository.session.flush()

    async def merge_target(self, source: Category, into_id: uuid.UUID) -> Category:
        """The category ``source`` may be merged into, or InvalidInput/Conflict saying why not.

        Another, non-archived category of the same community; ``source`` has no live sub-category."""
        into = await self.get_one_or_none(
            Category.id == into_id, Category.community_id == source.community_id
        )
        if into is None or into.id == source.id:
            raise InvalidInput("into", _("Choisissez une autre catégorie de ce groupe."))
        if into.archived:
            raise InvalidInput("into", _("Cette catégorie est archivée : désarchivez-la d'abord."))
        children = await self._siblings(source.community_id, source.id)
        if any(not child.archived for child in children):
            raise Conflict(
                _("Cette catégorie a des sous-catégories : déplacez-les ou fusionnez-les d'abord.")
            )
        return into

    async def absorb(self, source: Category, into: Category) -> None:
        """The last step of a merge, once the listings have moved: ``into`` takes the attribute
        keys of ``source`` (so that it shows what the moved listings carry), ``source`` is archived."""
        into.attributes = clean_attribute_keys([*into.attributes, *source.attributes])
        source.archived = True
        await self.repository.session.flush()

    async def find_or_create(
        self, community_id: uuid.UUID, name: str, attributes: Iterable[str] = ()
    ) -> Category:
        """The category of that name (case-insensitively), created at the top level when missing.

        Used by the importer: the attribute keys given are added to the category's own."""
        wanted = _clean_name(name)
        keys = clean_attribute_keys(attributes)
        matches = [
            category
            for category in await self._all(community_id)
            if category.name.casefold() == wanted.casefold()
        ]
        if matches:
            # A top-level, non-archived one first: what a neighbour would pick.
            category = min(
                matches, key=lambda item: (item.archived, item.parent_id is not None, item.position)
            )
            missing = [key for key in keys if key not in category.attributes]
            if missing:
                category.attributes = clean_attribute_keys([*category.attributes, *missing])
                await self.repository.session.flush()
            return category
        return await self.create_category(community_id, name=wanted, attributes=keys)

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _as_readers_see_it(category: Category) -> tuple[object, ...]:
        """What a listing of ``category`` shows of it (name, place in the tree, archived); a new
        position among siblings or new attribute keys change nothing a reader finds."""
        return (category.name, category.parent_id, category.archived)

    async def _siblings(
        self, community_id: uuid.UUID, parent_id: uuid.UUID | None, excluding: uuid.UUID | None = None
    ) -> list[Category]:
        conditions = [Category.community_id == community_id]
        conditions.append(
            Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
        )
        if excluding is not None:
            conditions.append(Category.id != excluding)
        rows = await self.repository.session.scalars(select(Category).where(*conditions))
        return sorted(rows, key=lambda item: (item.position, item.name.casefold()))

    async def _check_parent(
        self, community_id: uuid.UUID, parent_id: uuid.UUID, moving: Category | None
    ) -> None:
        parent = await self.get_one_or_none(Category.id == parent_id, Category.community_id == community_id)
        if parent is None:
            raise InvalidInput("parent_id", _("Cette catégorie parente n'existe pas dans ce groupe."))
        if parent.parent_id is not None:
            raise InvalidInput(
                "parent_id",
                _("Les catégories s'imbriquent sur un seul niveau : choisissez une catégorie principale."),
            )
        if moving is not None:
            if parent.id == moving.id:
                raise InvalidInput("parent_id", _("Une catégorie ne peut pas être sa propre parente."))
            if await self._siblings(community_id, moving.id):
                raise InvalidInput(
                    "parent_id",
                    _("Cette catégorie a des sous-catégories : elle ne peut pas devenir une sous-catégorie."),
                )
        if parent.archived:
            raise InvalidInput("parent_id", _("Cette catégorie parente est archivée."))

    @staticmethod
    def _check_unique(name: str, siblings: Iterable[Category]) -> None:
        if any(sibling.name.casefold() == name.casefold() for sibling in siblings):
            raise Conflict(_("Une catégorie « %(name)s » existe déjà à cet endroit.", name=name))

    @staticmethod
    def _renumber(ordered: Sequence[Category]) -> None:
        for index, category in enumerate(ordered):
            if category.position != index:
                category.position = index

    @classmethod
    def _place(cls, siblings: list[Category], category: Category, index: int) -> None:
        """Insert ``category`` at ``index`` among ``siblings`` (it is not one of them) and renumber."""
        index = max(0, min(index, len(siblings)))
        cls._renumber([*siblings[:index], category, *siblings[index:]])
