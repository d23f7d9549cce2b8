"""Accessibility check of a page with axe-core (WCAG 2.0 and 2.1, levels A and AA)."""

import json
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_no_axe_violations(page):
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the current page; fail on any violation."""
    page.add_script_tag(path=str(AXE_JS))
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
