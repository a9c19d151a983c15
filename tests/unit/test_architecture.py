"""Apps depend one way: governance <- schemes <- risks, finance <- dashboards (no cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "governance": {"schemes", "risks", "finance", "dashboards"},
    "schemes": {"risks", "finance", "dashboards"},
    "risks": {"finance", "dashboards"},
    "finance": {"risks", "dashboards"},
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_imports_only_the_apps_below_it(app):
    offenders = [
        f"{path.relative_to(ROOT)} imports {sorted(imported_apps(path) & FORBIDDEN[app])}"
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and imported_apps(path) & FORBIDDEN[app]
    ]
    assert not offenders, "\n".join(offenders)


SHAPE = {
    "governance": ["models", "admin", "services", "selectors", "forms", "views", "urls"],
    "schemes": ["models", "admin", "services", "selectors", "filters", "forms", "views", "api", "tasks", "urls"],
    "risks": ["models", "admin"],
    "finance": ["models", "admin", "selectors"],
    "dashboards": ["views", "urls"],
}


@pytest.mark.parametrize("app", sorted(SHAPE))
def test_every_app_has_the_same_shape(app):
    missing = [f"{app}/{module}.py" for module in SHAPE[app] if not (ROOT / app / f"{module}.py").exists()]
    assert not missing
