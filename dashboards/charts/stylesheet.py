"""plotly.js's own style rules as a static file, so the charts need no inline style under the content-security policy.

plotly.js adds its rules at run time in a <style> element it creates, which a policy without 'unsafe-inline' for
styles blocks. It skips that when the page already holds an element with id `plotly.js-style-global` and class
`no-inline-styles`: the dashboard's <link> to static/css/plotly.css, written from the rules in the very plotly.min.js
we serve (the plotly wheel's copy). Its bundled maplibre-gl (map traces) adds one more <style>, unless an element
with that style's id exists: the dashboard's second <link>, to static/css/plotly-maps.css, has it (MAPS_STYLE_ID).
After upgrading plotly, write both again (and check the id in templates/dashboards/dashboard.html):

    .venv/bin/python -m dashboards.charts.stylesheet

(tests/unit/test_security_headers.py fails while the file and the wheel's rules differ).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "plotly.css"
MAPS_STYLESHEET = STYLESHEET.with_name("plotly-maps.css")
# The rules object in plotly.js's build (src/css/_base.scss compiled to build/plotcss.js): selectors with X for
# ".js-plotly-plot .plotly" and Y for ".plotly-notifier", each mapped to its declarations; a loop then adds them.
_RULES = re.compile(r'=(\{"X,X div":.*?\});for\((\w+) in \w+\)\w+=\2\.replace', re.S)
_TOKEN = re.compile(r'"([^"]*)"|\'([^\']*)\'|(?<=[{,])([A-Za-z_]\w*)(?=:)')
_MAPS = re.compile(r'if\(!document\.getElementById\("(\w+)"\)\)\{var (\w)=document\.createElement\("style"\);'
                   r'\2\.id="\1",\2\.textContent=\'([^\']*)\'')
_HEADER = "/* Written by dashboards/charts/stylesheet.py from plotly.js v{version}'s own rules: do not edit. */\n"


def plotly_js() -> str:
    """The plotly.min.js the dashboard serves (the wheel's package_data; settings.STATICFILES_DIRS)."""
    spec = importlib.util.find_spec("plotly")
    assert spec is not None and spec.origin is not None, "plotly is installed (requirements.txt)"
    return (Path(spec.origin).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def plotly_stylesheet(script: str) -> str:
    """The CSS plotly.js would inject, from its source text, in the order it adds the rules."""
    found = _RULES.search(script)
    if found is None:
        raise ValueError("plotly.min.js has no style rules object where this reader expects it")
    # A minified object literal: keys "..." or bare (Y), values "..." or '...' (plain strings, no escapes).
    tokens = [next(part for part in match.groups() if part is not None) for match in _TOKEN.finditer(found.group(1))]
    if len(tokens) % 2:
        raise ValueError("plotly.min.js's style rules could not be read")
    rules = dict(zip(tokens[0::2], tokens[1::2], strict=True))
    lines = [_HEADER.format(version=_version(script))]
    # plotly.js inserts each rule at index 0, so the last added comes first in its sheet: the same cascade order.
    for selector, declarations in reversed(list(rules.items())):
        written = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        if written.startswith(","):
            written = " " + written
        lines.append(f"{written} {{{declarations}}}\n")
    return "".join(lines)


def maps_stylesheet(script: str) -> tuple[str, str]:
    """The id and the CSS of the <style> plotly.js's maplibre-gl adds when no element has that id."""
    found = _MAPS.search(script)
    if found is None:
        raise ValueError("plotly.min.js has no maplibre-gl style where this reader expects it")
    return found.group(1), _HEADER.replace("plotly.js", "maplibre-gl in plotly.js").format(
        version=_version(script)) + found.group(3) + "\n"


def _version(script: str) -> str:
    version = re.search(r"plotly\.js v([\d.]+)", script)
    return version.group(1) if version else "?"


if __name__ == "__main__":
    script = plotly_js()
    STYLESHEET.write_text(plotly_stylesheet(script), encoding="utf-8")
    style_id, css = maps_stylesheet(script)
    MAPS_STYLESHEET.write_text(css, encoding="utf-8")
    print(f"wrote {STYLESHEET} and {MAPS_STYLESHEET} (its <link> has id {style_id})")
