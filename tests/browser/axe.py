"""Run the vendored axe-core accessibility engine in a Playwright page.

Usage in a browser test::

    violations = axe_violations(page)
    assert not violations, format_violations(violations)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

DEFAULT_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

_RUN_AXE = """
async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: 'tag', values: tags},
    });
    return results.violations;
}
"""


def _inject_axe(page: Any) -> None:
    """Load axe.min.js into the page once (no-op if already there)."""
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    # add_script_tag can fail (or silently not run) under a strict CSP.
    with contextlib.suppress(Exception):
        page.add_script_tag(path=str(AXE_JS))
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # A Content-Security-Policy without 'unsafe-inline' blocks the <script>
        # tag that add_script_tag inserts; evaluating over CDP is not subject to CSP.
        page.evaluate("() => {\n" + AXE_JS.read_text(encoding="utf-8") + "\n}")


def axe_violations(page: Any, tags: Iterable[str] = DEFAULT_TAGS) -> list[dict]:
    """Inject axe-core into ``page`` and return ``axe.run``'s violations list.

    Each violation is a dict with ``id``, ``impact``, ``help``, ``helpUrl``,
    ``description``, ``tags`` and ``nodes`` (each node has ``target``, ``html``
    and ``failureSummary``).
    """
    _inject_axe(page)
    return page.evaluate(_RUN_AXE, list(tags))


def _selector(target: Any) -> str:
    # Targets inside iframes / shadow DOM are nested lists of selectors.
    if isinstance(target, list):
        return " >>> ".join(_selector(t) for t in target)
    return str(target)


def format_violations(violations: list[dict], max_targets: int = 3) -> str:
    """Readable multi-line summary of axe violations, for assertion messages."""
    if not violations:
        return "No accessibility violations."
    lines = [f"{len(violations)} accessibility violation(s):"]
    for v in violations:
        nodes = v.get("nodes") or []
        targets = [_selector(n.get("target", [])) for n in nodes[:max_targets]]
        more = f" (+{len(nodes) - max_targets} more)" if len(nodes) > max_targets else ""
        lines.append(
            f"- {v.get('id')} [{v.get('impact') or 'n/a'}] {v.get('help')} "
            f"({len(nodes)} node(s)): {', '.join(targets)}{more}"
        )
        if v.get("helpUrl"):
            lines.append(f"    {v['helpUrl']}")
        if nodes and nodes[0].get("failureSummary"):
            summary = " ".join(nodes[0]["failureSummary"].split())
            lines.append(f"    first node: {summary[:300]}")
    return "\n".join(lines)
