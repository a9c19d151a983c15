"""Watch a browser context for content-security-policy violations (the `securitypolicyviolation` event).

Usage::

    violations = watch_csp(context)   # before the first page loads
    ...
    assert violations == []

The listener is added over the DevTools protocol before each document's own scripts run, which the policy
does not govern, and reports through a binding, so violations on every page the context opens are kept.
"""

from __future__ import annotations

from typing import Any

_LISTEN = """
document.addEventListener('securitypolicyviolation', (event) => {
    window.__reportCspViolation(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`
        + ` at ${event.documentURI.replace(location.origin, '')}`
        + (event.sourceFile ? ` (${event.sourceFile.replace(location.origin, '')}:${event.lineNumber})` : '')
        + (event.sample ? `: ${event.sample}` : ''));
}, true);
"""


def watch_csp(context: Any) -> list[str]:
    """The violations every page of `context` reports from now on, each in words (directive, what, where)."""
    violations: list[str] = []

    def report(violation: str) -> None:
        violations.append(violation)

    context.expose_function("__reportCspViolation", report)
    context.add_init_script(_LISTEN)
    return violations
