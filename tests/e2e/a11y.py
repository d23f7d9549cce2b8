"""Accessibility check of a page with axe-core (WCAG 2.0 and 2.1, levels A and AA)."""

import functools
import json
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@functools.cache
def _axe_source() -> str:
    # A script, not an expression: wrapped in a function that Playwright calls (axe.min.js sets
    # window.axe itself).
    return f"() => {{ {AXE_JS.read_text()}\n}}"


def assert_no_axe_violations(page):
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the current page; fail on any violation."""
    # Evaluated through the DevTools protocol rather than added as an inline <script>, which the
    # pages' Content-Security-Policy refuses.
    page.evaluate(_axe_source())
    results = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})""", AXE_TAGS
    )
    assert results["passes"], f"axe-core n'a rien vérifié sur {page.url}."
    violations = results["violations"]
    if violations:
        lines = [f"{len(violations)} violation(s) axe-core sur {page.url} :"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}) : {violation['help']}")
            for node in violation["nodes"]:
                lines.append(f"    {json.dumps(node['target'])} {node['html'][:160]}")
        raise AssertionError("\n".join(lines))


def open_disclosures(page) -> None:
    """Open every <details> of the content, so that axe-core checks what they hold too. Set
    rather than clicked: a click toggles, and closes one open from the start (the keyboard's use
    of them is tested by the journeys)."""
    from playwright.sync_api import expect

    page.locator("main details").evaluate_all("all => all.forEach(d => { d.open = true; })")
    expect(page.locator("main details:not([open])")).to_have_count(0)
