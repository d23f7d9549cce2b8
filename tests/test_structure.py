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


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The module an import names, relative imports resolved from the importing file."""
    if node.level == 0:
        return node.module or ""
    package = list(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _private_imports():
    """Private names of another app: imported (absolutely or relatively), or read as an
    attribute of one of its modules (`from pacte.finance import services; services._x`)."""
    for path in PACTE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        own = path.relative_to(PACTE).parts[0]
        tree = ast.parse(path.read_text(), str(path))
        foreign_modules: set[str] = set()  # local names bound to another app's modules
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = _absolute(path, node)
                other = _app(module)
                if not other or other == own:
                    continue
                for alias in node.names:
                    if alias.name.startswith("_"):
                        yield f"{path.relative_to(ROOT)}: {module}.{alias.name}"
                    foreign_modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    other = _app(alias.name)
                    if other and other != own:
                        foreign_modules.add(alias.asname or alias.name.split(".")[0])
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign_modules
            ):
                yield f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}"


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
