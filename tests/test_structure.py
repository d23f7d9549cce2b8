"""The structure of the code, checked with the suite (docs/architecture.md): the apps' dependency
direction, no private name imported from another app, and models in step with migrations."""

import ast
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
PACTE = ROOT / "pacte"


def test_apps_import_only_the_apps_below_them():
    """The layers declared in pyproject.toml ([tool.importlinter]), imports inside functions
    included."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "pacte" else None


def _private_imports():
    for path in PACTE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        own = path.relative_to(PACTE).parts[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                other = _app(node.module)
                if other and other != own:
                    for alias in node.names:
                        if alias.name.startswith("_"):
                            yield f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"


def test_no_private_name_is_imported_from_another_app():
    assert list(_private_imports()) == []


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"Migration missing (makemigrations --check):\n{out.getvalue()}\n{exc}")


def test_core_services_and_selectors_are_typed():
    """mypy, strict on pacte/core and on every app's services and selectors (the paths and the
    options are in pyproject.toml, [tool.mypy])."""
    mypy = Path(sys.executable).with_name("mypy")
    result = subprocess.run([str(mypy)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
