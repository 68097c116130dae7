"""The shape of the code: no import cycle, every import at the top, services depending one way.

Services depend one way: accounts ← communities ← listings ← photos ← indexing (and the
domains to come after it). A later domain calls an earlier one's service; an earlier one never
imports a later one, and no service imports a controller. The foundation (settings, errors,
database, translations, the change recorder, the job registry) imports no domain at all.
Controllers (pages, JSON API, their dependencies and routes) and the entry points (app, CLI,
worker) sit on top and may call any service.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("marketplace", "search")

FOUNDATION = (
    "marketplace.settings",
    "marketplace.errors",
    "marketplace.db.base",
    "marketplace.db.config",
    "marketplace.db.side_effects",
    "marketplace.db.store_model",
    "marketplace.web.i18n",
    "marketplace.web.mail_templates",
    "marketplace.indexing.models",
    "marketplace.indexing.changes",
    "marketplace.notifications.models",
    "marketplace.notifications.record",
    # The audit log: communities (an earlier domain) record their membership decisions in it.
    "marketplace.moderation.audit",
    "marketplace.moderation.audit_model",
    "marketplace.jobs",
    # The search package (its contract and both backends) knows nothing of the app, as a library
    # would not (as foundation, it may import no domain): every layer may use it.
    "search",
)
# Earliest first: a module of one of these may import the foundation and the domains before it.
DOMAINS = (
    "marketplace.accounts",
    "marketplace.communities",
    "marketplace.listings",
    "marketplace.photos",
    "marketplace.indexing",
    "marketplace.discovery",
    "marketplace.notifications",
    "marketplace.exchanges",
    "marketplace.alerts",
    "marketplace.moderation",
    # Deletion and export of an account reach into every domain: after them all.
    "marketplace.privacy",
)
CONTROLLER_NAMES = {"api", "pages", "routes", "dependencies", "serving", "schemas", "scheduled"}
TOP = ("marketplace.web", "marketplace.db")  # what is neither foundation nor a domain there


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, ast.Module]:
    found: dict[str, ast.Module] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic's revisions are generated, and import only Alembic
            found[module_name(path)] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return found


def imported(node: ast.Import | ast.ImportFrom, importer: str) -> Iterator[str]:
    """The project's modules that an import statement names (``from a import b``: ``a.b`` if a module)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = importer.split(".")[: -node.level] if importer in modules() else importer.split(".")
            base = ".".join([*package, *([base] if base else [])])
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base for alias in node.names
        ]
    for name in names:
        while name and name not in modules():
            name = name.rpartition(".")[0]
        if name:
            yield name


def top_level_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try):  # `if TYPE_CHECKING:` and optional imports
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner


def graph() -> dict[str, set[str]]:
    return {
        name: {target for node in top_level_imports(tree) for target in imported(node, name)} - {name}
        for name, tree in modules().items()
    }


def test_every_import_is_at_the_top_of_its_module() -> None:
    nested: set[str] = set()
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                nested |= {
                    f"{name}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                }
    assert sorted(nested) == [], "imports inside functions hide import cycles"


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import one another in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_module_imports_itself_through_others() -> None:
    assert strongly_connected(graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(name: str) -> int | None:
    """-1 for the foundation, the domain's rank for a domain's own logic, None for the top."""
    if any(within(name, item) for item in FOUNDATION):
        return -1
    if name.rpartition(".")[2] in CONTROLLER_NAMES or name.rpartition(".")[2].endswith("_pages"):
        return None
    for rank, domain in enumerate(DOMAINS):
        if within(name, domain):
            return rank
    return None


def direction_violations(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for importer, targets in sorted(edges.items()):
        rank = layer_of(importer)
        if rank is None:
            continue
        for target in sorted(targets):
            target_rank = layer_of(target)
            if target_rank is None or target_rank > rank:
                wrong.append(f"{importer} -> {target}")
    return wrong


def test_services_depend_one_way() -> None:
    assert direction_violations(graph()) == []


@pytest.mark.parametrize(
    ("importer", "target"),
    [
        ("marketplace.communities.service", "marketplace.listings.service"),
        ("marketplace.listings.service", "marketplace.photos.service"),
        ("marketplace.listings.service", "marketplace.listings.pages"),
        ("marketplace.indexing.changes", "marketplace.listings.models"),
        ("marketplace.errors", "marketplace.accounts.models"),
    ],
)
def test_the_direction_check_refuses_an_import_against_the_flow(importer: str, target: str) -> None:
    assert direction_violations({importer: {target}}) == [f"{importer} -> {target}"]


def test_the_direction_check_allows_calls_down_the_flow() -> None:
    allowed = {
        "marketplace.photos.service": {"marketplace.listings.service", "marketplace.indexing.changes"},
        "marketplace.communities.pages": {"marketplace.listings.service"},
        "marketplace.indexing.documents": {"marketplace.photos.service"},
    }
    assert direction_violations(allowed) == []
