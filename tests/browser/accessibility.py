"""``assert_accessible(page)``: axe-core's rules on the page as it is drawn, zero violations.

axe-core comes pinned inside ``axe-playwright-python`` (pyproject's test extras). It is run on
the whole document with every rule axe enables by default (WCAG 2.x A and AA, and its best
practices). ``with_axe(context)`` has each page of a context load it as it opens, which costs
far less than sending the 570 kB script to each page afterwards (what ``violations`` does when
the page has no ``window.axe``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

RUN_OPTIONS = {"resultTypes": ["violations"]}


def with_axe(context: Any) -> Any:
    """``context``, whose every page now loads axe-core before its own scripts."""
    context.add_init_script(script=AXE_SCRIPT)
    return context


def start_axe(page: Any) -> None:
    """Starts axe-core on ``page`` and returns at once: several pages are checked side by side,
    each in its own renderer process. ``axe_violations`` waits for the answer."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    # axe.run does most of its work before it returns its promise: it is started from a timer,
    # so that this call returns at once and the next page's run goes on meanwhile.
    page.evaluate(
        "(options) => { window.axeRun = new Promise((resolve) =>"
        " setTimeout(() => resolve(axe.run(document, options)), 0)); }",
        RUN_OPTIONS,
    )


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The violations of the run ``start_axe`` began on ``page`` (axe's JSON, one entry a rule)."""
    found: list[dict[str, Any]] = page.evaluate("() => window.axeRun.then((results) => results.violations)")
    return found


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on ``page``."""
    start_axe(page)
    return axe_violations(page)


def describe(found: list[dict[str, Any]], where: str = "") -> str:
    """Each violation's rule id, impact, help and the elements that break it (target, snippet)."""
    lines = []
    for violation in found:
        lines.append(
            f"{where}{violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    target {target}: {node['html'][:160]}")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page: Any, *, allowed: Collection[str] = ()) -> None:
    """Zero axe violations on ``page`` but the rule ids in ``allowed`` (a named allow-list, never
    a silent skip), with each violation's id, impact, target and help in the failure message."""
    found = [violation for violation in violations(page) if violation["id"] not in allowed]
    assert not found, f"axe-core violations on {page.url}:\n{describe(found)}"
