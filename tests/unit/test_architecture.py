"""The architecture DEVELOPERS.md documents, checked: every app's shape and the one-way dependencies.

Apps depend one way, `governance <- schemes <- risks, finance <- dashboards, demo, benchmarks`: an app uses
only the apps in the layers to its left, never one beside it or to its right. "Uses" is checked four ways:
Python imports (ast, anywhere in the app, type-only imports included), the relations of its models (foreign
keys, one-to-one, many-to-many, parents and proxies, read from the apps registry), the URL names its code and
templates reverse (the owner of a name is the app of the view it resolves to) and the templates it extends,
includes or renders and the tag libraries it loads. The project's own pieces (qipp_portal/, templates/base.html,
templates/includes/, templates/registration/) sit above every app and may name any of them.

The checkers take the files or models to read, so the tests at the end feed them a violation of each kind
and see them found.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.test.utils import isolate_apps
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]

LAYERING = "governance <- schemes <- risks, finance <- dashboards, demo, benchmarks"
LAYERS = [[app.strip() for app in layer.split(",")] for layer in LAYERING.split("<-")]
RANK = {app: rank for rank, layer in enumerate(LAYERS) for app in layer}
APPS = sorted(RANK)

# Each concern has one name, a module or a package of modules by concern (DEVELOPERS.md, "Every app has the
# same shape").
CONCERNS = ("models", "services", "selectors", "filters", "forms", "views", "api", "tasks", "admin", "urls")
REQUIRED_FOR_DATA = ("models", "services", "admin")  # an app that owns data: its models, their writes, its admin
# (needs, needed): an app that has the first has the second.
GO_TOGETHER = [
    ("views", "urls"), ("urls", "views"),  # pages and their addresses
    ("forms", "views"),  # forms belong to pages
    ("api", "filters"),  # one FilterSet per list, shared by the page and the API
]
READERS = ("views", "api")  # a data app with pages or an API reads through its `selectors`


def may_use(app: str, other: str) -> bool:
    return other == app or RANK[other] < RANK[app]


def owner(dotted: str) -> str | None:
    """The project app a dotted module name belongs to, or None (Django, a library, the project)."""
    top = dotted.split(".")[0]
    return top if top in RANK else None


# --- What an app uses -----------------------------------------------------------------------------------

def python_files(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


def template_files(app: str) -> list[Path]:
    """The app's templates: templates/<app>/ and <app>/templates/ (APP_DIRS)."""
    return sorted([*(ROOT / "templates" / app).rglob("*.html"), *(ROOT / app / "templates").rglob("*.html")])


def url_owners() -> dict[str, str]:
    """Every URL name (with its namespaces) -> the project app whose view it resolves to."""
    owners: dict[str, str] = {}

    def walk(patterns: Iterable[URLPattern | URLResolver], namespaces: list[str]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, [*namespaces, pattern.namespace] if pattern.namespace else namespaces)
            elif pattern.name:
                name = ":".join([*namespaces, pattern.name])
                # The admin's views are Django's; the model they show says whose page it is.
                app = owner(pattern.callback.__module__) or next(
                    (a for a in RANK if namespaces == ["admin"] and pattern.name.startswith(f"{a}_")), None)
                if app:
                    owners[name] = app

    walk(get_resolver().url_patterns, [])
    return owners


def template_owner(name: str) -> str | None:
    """The app a template belongs to by its path (`schemes/detail.html` -> schemes), else None."""
    return owner(name.split("/")[0]) if "/" in name else None


URL_CALLS = {"reverse", "reverse_lazy", "redirect", "resolve_url"}


def import_uses(path: Path) -> list[tuple[str, str]]:
    """(app used, how) for each import of a project app in a Python file."""
    uses: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        uses += [(app, f"line {node.lineno} imports {module}") for module in modules if (app := owner(module))]
    return uses


def name_uses(path: Path, urls: dict[str, str]) -> list[tuple[str, str]]:
    """(app used, how) for each URL name and template path in a Python file."""
    uses: list[tuple[str, str]] = []
    reversed_names: set[int] = set()  # constants already reported as the name a call reverses
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            value = node.args[0].value
            if called in URL_CALLS and isinstance(value, str) and value in urls:
                uses.append((urls[value], f"line {node.lineno} reverses the URL name {value!r}"))
                reversed_names.add(id(node.args[0]))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in reversed_names:
            value = node.value
            if ":" in value and value in urls:  # a namespaced URL name anywhere, e.g. in a list of menu items
                uses.append((urls[value], f"line {node.lineno} names the URL {value!r}"))
            elif value.endswith((".html", ".txt", ".csv")) and (app := template_owner(value)):
                uses.append((app, f"line {node.lineno} renders the template {value!r}"))
    return uses


TEMPLATE_URL = re.compile(r"{%\s*url\s+(['\"])(?P<name>[^'\"]+)\1")
TEMPLATE_PATH = re.compile(r"{%\s*(?:extends|include)\s+(['\"])(?P<name>[^'\"]+)\1")
TEMPLATE_LOAD = re.compile(r"{%\s*load\s+(?P<names>[\w\s]+?)\s*%}")


def template_uses(path: Path, urls: dict[str, str]) -> list[tuple[str, str]]:
    """(app used, how) for each URL name, template and tag library a template names."""
    text = path.read_text()
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    libraries = backend.engine.libraries  # library name -> module
    uses: list[tuple[str, str]] = []
    for match in TEMPLATE_URL.finditer(text):
        if match["name"] in urls:
            uses.append((urls[match["name"]], f"links to the URL name {match['name']!r}"))
    for match in TEMPLATE_PATH.finditer(text):
        if app := template_owner(match["name"]):
            uses.append((app, f"extends or includes {match['name']!r}"))
    for match in TEMPLATE_LOAD.finditer(text):
        for library in match["names"].split():
            if library != "from" and (app := owner(libraries.get(library, ""))):
                uses.append((app, f"loads the tag library {library!r}"))
    return uses


def relation_uses(model_classes: Iterable[type[models.Model]]) -> list[tuple[str, str]]:
    """(app used, how) for each relation of the models: forward relations, parents, proxies."""
    uses: list[tuple[str, str]] = []
    for model in model_classes:
        meta = model._meta
        fields = [*meta.fields, *meta.many_to_many, *meta.private_fields]
        related = [(field.name, field.related_model) for field in fields
                   if field.is_relation and field.related_model is not None]
        related += [("parent", parent) for parent in meta.parents]
        if meta.proxy_for_model is not None:
            related.append(("proxy of", meta.proxy_for_model))
        for name, target in related:
            if app := owner(target._meta.app_label):
                uses.append((app, f"{meta.label}.{name} -> {target._meta.label}"))
    return uses


def violations(app: str, uses: Iterable[tuple[str, str]], where: str) -> list[str]:
    return [f"{where} {how} ({app} may not use {used})" for used, how in uses if not may_use(app, used)]


# --- The dependency rule ----------------------------------------------------------------------------------

def test_developers_guide_states_this_layering():
    assert f"`{LAYERING}`" in (ROOT / "DEVELOPERS.md").read_text()


def test_every_app_of_the_project_has_its_place_in_the_layering():
    project_apps = {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}
    assert project_apps == set(RANK), "add the app to LAYERING here and in DEVELOPERS.md"


def where(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("app", APPS)
def test_imports_go_one_way(app):
    found = [v for path in python_files(app) for v in violations(app, import_uses(path), where(path))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("app", APPS)
def test_model_relations_go_one_way(app):
    found = violations(app, relation_uses(apps.get_app_config(app).get_models(include_auto_created=True)), "model")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("app", APPS)
def test_url_names_and_templates_go_one_way(app):
    urls = url_owners()
    found = [v for path in python_files(app) for v in violations(app, name_uses(path, urls), where(path))]
    found += [v for path in template_files(app) for v in violations(app, template_uses(path, urls), where(path))]
    assert not found, "\n".join(found)


# --- The shape of an app ----------------------------------------------------------------------------------

def top_level_names(app: str) -> dict[str, list[str]]:
    """Module or package name -> what holds it there (`views.py`, `views/`)."""
    names: dict[str, list[str]] = {}
    for entry in sorted((ROOT / app).iterdir()):
        if entry.suffix == ".py" and entry.stem != "__init__":
            names.setdefault(entry.stem, []).append(entry.name)
        elif entry.is_dir() and (entry / "__init__.py").exists():
            names.setdefault(entry.name, []).append(f"{entry.name}/")
    return names


def shape_problems(app: str, names: dict[str, list[str]], owns_data: bool) -> list[str]:
    problems = [f"{app}: {' and '.join(held)} both hold {name!r}" for name, held in names.items() if len(held) > 1]
    for name in names:
        for concern in CONCERNS:
            if name == concern.removesuffix("s") and name != concern:
                problems.append(f"{app}: {name!r} should be called {concern!r}")
            elif name.startswith(f"{concern}_") or name.endswith(f"_{concern}"):
                part = name.removeprefix(f"{concern}_").removesuffix(f"_{concern}")
                problems.append(f"{app}: {name!r} is part of {concern!r}: make it a package, {concern}/{part}.py")
    if owns_data:
        problems += [f"{app} owns data but has no {concern!r}" for concern in REQUIRED_FOR_DATA if concern not in names]
        if any(reader in names for reader in READERS) and "selectors" not in names:
            problems.append(f"{app} has pages or an API but no 'selectors' to read through")
    elif "models" in names and (ROOT / app / "models.py").read_text().strip():
        problems.append(f"{app} is on top of the apps and owns no data: its models.py should be empty")
    problems += [f"{app} has {needs!r} but no {needed!r}" for needs, needed in GO_TOGETHER
                 if needs in names and needed not in names]
    return problems


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_documented_shape(app):
    owns_data = bool(list(apps.get_app_config(app).get_models()))
    assert owns_data == (RANK[app] < len(LAYERS) - 1), "the apps below the top layer own data, the top layer none"
    problems = shape_problems(app, top_level_names(app), owns_data)
    assert not problems, "\n".join(problems)


def private_imports(path: Path) -> list[str]:
    """Each private name (`_x`) a Python file imports from a project module, as `line n imports _x from m`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module and owner(node.module))):
            found += [f"line {node.lineno} imports {alias.name} from {'.' * node.level}{node.module or ''}"
                      for alias in node.names if alias.name.startswith("_")]
    return found


@pytest.mark.parametrize("app", APPS)
def test_modules_share_only_public_names(app):
    """A package's modules share helpers through public names (in its `common` module), never `from .x import _y`:
    what another module needs is part of the package's interface, not a private detail."""
    found = [f"{where(path)} {use}" for path in python_files(app) for use in private_imports(path)]
    assert not found, "\n".join(found)


# --- The checks can fail ----------------------------------------------------------------------------------

def test_the_checks_see_the_uses_that_are_allowed():
    """Not vacuous: the same readers find the real, allowed uses."""
    urls = url_owners()
    assert {"home": "dashboards", "months": "governance", "schemes:register": "schemes"}.items() <= urls.items()
    assert {"schemes", "finance"} <= {app for path in python_files("dashboards") for app, _ in import_uses(path)}
    assert "schemes" in {app for path in template_files("dashboards") for app, _ in template_uses(path, urls)}
    assert "governance" in {app for app, _ in relation_uses(apps.get_app_config("schemes").get_models())}


def test_the_checks_find_a_violation_of_each_kind(tmp_path):
    module = tmp_path / "menu.py"
    module.write_text(
        "from django.shortcuts import redirect, render\n"
        "from schemes.models import Scheme\n"
        "MENU = [('Schemes', 'schemes:register')]\n"
        "def page(request):\n"
        "    return redirect('home') if request else render(request, 'schemes/detail.html')\n"
    )
    template = tmp_path / "months.html"
    template.write_text('{% extends "base.html" %}{% include "dashboards/home.html" %}{% url "schemes:tracker" %}')
    urls = url_owners()
    uses = [*import_uses(module), *name_uses(module, urls), *template_uses(template, urls)]
    found = violations("governance", uses, "governance")
    assert [f.split(" ", 1)[1] for f in found] == [
        "line 2 imports schemes.models (governance may not use schemes)",
        "line 3 names the URL 'schemes:register' (governance may not use schemes)",
        "line 5 reverses the URL name 'home' (governance may not use dashboards)",
        "line 5 renders the template 'schemes/detail.html' (governance may not use schemes)",
        "links to the URL name 'schemes:tracker' (governance may not use schemes)",
        "extends or includes 'dashboards/home.html' (governance may not use dashboards)",
    ]
    # risks may use schemes (below it), not dashboards (above it); finance and risks do not use each other.
    found = violations("risks", [*import_uses(module), *name_uses(module, urls)], "risks")
    assert found == ["risks line 5 reverses the URL name 'home' (risks may not use dashboards)"]
    assert violations("finance", [("risks", "imports risks")], "finance")  # siblings do not use each other


def test_the_private_import_check_finds_a_private_name(tmp_path):
    module = tmp_path / "plan.py"
    module.write_text("from governance.services.common import _person, check_month\nfrom .common import _x\n"
                      "from django.db import _private\n")
    assert private_imports(module) == ["line 1 imports _person from governance.services.common",
                                       "line 2 imports _x from .common"]


@isolate_apps("governance")
def test_the_relation_check_finds_a_foreign_key_up_the_layers():
    from schemes.models import Scheme

    class Note(models.Model):  # noqa: DJ008 (never shown)
        scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE)

        class Meta:
            app_label = "governance"

    assert violations("governance", relation_uses([Note]), "model") == [
        "model governance.Note.scheme -> schemes.Scheme (governance may not use schemes)"
    ]


def test_the_shape_check_finds_a_misplaced_or_missing_module():
    names = {"models": ["models.py"], "services": ["services.py"], "views": ["views.py", "views/"],
             "tracking_views": ["tracking_views.py"], "selector": ["selector.py"], "api": ["api.py"]}
    assert shape_problems("widgets", names, owns_data=True) == [
        "widgets: views.py and views/ both hold 'views'",
        "widgets: 'tracking_views' is part of 'views': make it a package, views/tracking.py",
        "widgets: 'selector' should be called 'selectors'",
        "widgets owns data but has no 'admin'",
        "widgets has pages or an API but no 'selectors' to read through",
        "widgets has 'views' but no 'urls'",
        "widgets has 'api' but no 'filters'",
    ]
