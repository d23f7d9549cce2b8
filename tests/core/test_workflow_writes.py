"""No code writes a workflow's state field but `Workflow.apply`: the scan of the source below
finds any assignment, `setattr`, `update()` or `create()` naming a state field."""

import ast
from pathlib import Path

from pacte.core import policy

ROOT = Path(__file__).resolve().parents[2]
# The engine itself, and the migrations (which give existing rows their first state).
ALLOWED = {"pacte/core/workflow.py"}


def _state_fields() -> set[str]:
    policy._load_workflows()
    return {w.state_field for flows in policy._WORKFLOWS.values() for w in flows}


def _writes(fields: set[str]):
    for path in sorted((ROOT / "pacte").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "migrations" in path.parts or relative in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and target.attr in fields:
                        yield f"{relative}:{node.lineno} assigns .{target.attr}"
            elif isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name == "setattr" and len(node.args) > 1:
                    value = node.args[1]
                    if isinstance(value, ast.Constant) and value.value in fields:
                        yield f"{relative}:{node.lineno} setattr({value.value!r})"
                writes = {"update", "create", "get_or_create", "update_or_create"}
                # A model built with its state (`Operation(state=…)`), not a filter (`Q(…)`,
                # a page's filters `CommitmentFilters(state=…)`).
                constructor = (
                    name[:1].isupper()
                    and name not in {"Q", "F", "Value"}
                    and not name.endswith("Filters")
                )
                if name in writes or constructor:
                    for keyword in node.keywords:
                        if keyword.arg in fields:
                            yield f"{relative}:{node.lineno} {name}({keyword.arg}=…)"


def test_every_state_field_is_known():
    assert {"state", "publication_state", "transmission_state"} <= _state_fields()


def test_only_the_workflow_engine_writes_a_state():
    assert list(_writes(_state_fields())) == []


def _transition_literals():
    """Reads of history rows by a transition name written as a string (`transition="…"`,
    `events__transition="…"`): the name must be a constant from `WORKFLOW.name()`."""
    for path in sorted((ROOT / "pacte").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "migrations" in path.parts or path.name == "workflows.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if (
                        keyword.arg
                        and keyword.arg.split("__")[-1] in {"transition", "transition__in"}
                        and isinstance(keyword.value, ast.Constant | ast.List | ast.Tuple | ast.Set)
                    ):
                        yield f"{relative}:{node.lineno} {keyword.arg}=…"
            elif isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and isinstance(c.value, str) for c in node.comparators
            ):
                left = node.left
                if isinstance(left, ast.Attribute) and left.attr == "transition":
                    yield f"{relative}:{node.lineno} .transition == literal"


def test_transition_names_are_read_through_checked_constants():
    assert list(_transition_literals()) == []
