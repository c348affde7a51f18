"""The package's layering, checked on the source: imports go one way, click stays in the CLI,
the library never prints, and no module grows past what a newcomer reads in one sitting.

docs/architecture.md explains the layers; this test keeps them true as the code changes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "audioguide"
MAX_LINES = 400

# Lower layers never import higher ones. Modules of the same layer may import each other.
LAYERS: list[tuple[str, ...]] = [
    (
        "audioguide",
        "audioguide.errors",
        "audioguide.atomic",
        "audioguide.i18n",
        "audioguide.stats",
        "audioguide.scanlog",
        "audioguide.statsdb",
    ),
    ("audioguide.tour",),
    ("audioguide.audio",),
    ("audioguide.engines",),
    ("audioguide.qr",),
    ("audioguide.published", "audioguide.published_images"),
    ("audioguide.build",),
    ("audioguide.web", "audioguide.studio"),
    ("audioguide.export",),
    ("audioguide.cli", "audioguide.__main__"),
]
# Only the command line talks to the terminal; errors.py roots its tree in ClickException (as mkdocs).
CLICK_ALLOWED = ("audioguide.cli", "audioguide.errors", "audioguide.__main__")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or (prefix != "audioguide" and module.startswith(prefix + "."))
            if matches and len(prefix) > best:
                best, rank = len(prefix), index
    if rank < 0:
        rank = 0 if module == "audioguide" else -1
    return rank


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from audioguide import web` imports the submodule audioguide.web
            if node.module == "audioguide":
                found += [(node.lineno, f"audioguide.{alias.name}") for alias in node.names]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    unplaced = [module_name(p) for p in MODULES if layer_of(module_name(p)) < 0]
    assert not unplaced, f"add these modules to a layer in LAYERS (and docs/architecture.md): {unplaced}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_one_way(path: Path) -> None:
    module = module_name(path)
    own = layer_of(module)
    upward = []
    for line, name in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
        if not name.startswith("audioguide"):
            continue
        if layer_of(name) > own:
            upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} imports {name}")
    assert not upward, "upward import(s):\n" + "\n".join(upward)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_cli_uses_click_or_prints(path: Path) -> None:
    module = module_name(path)
    if module.startswith(CLICK_ALLOWED):
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}"
        for line, name in imported_modules(tree)
        if name == "click" or name.startswith("click.")
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            problems.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: print()")
    assert not problems, "the library raises and yields; only audioguide.cli talks:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_over_the_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE.parent)} has {lines} lines; split it by job"


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule itself must be able to fail: a tour module importing the web app is caught."""
    tree = ast.parse("from audioguide.web.snapshot import Site\n")
    names = [name for _, name in imported_modules(tree)]
    assert layer_of(names[0]) > layer_of("audioguide.tour.load")
    assert layer_of("audioguide.build.pipeline") > layer_of("audioguide.published")
    assert layer_of("audioguide.tour.schema") < layer_of("audioguide.engines.registry")
