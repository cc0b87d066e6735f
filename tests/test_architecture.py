"""The code's shape, as docs/architecture.md draws it: the stages are subpackages, the flow runs one
way (no module imports from a later stage), and functions and modules stay short."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "generator"
# Each module's layer; a module may import only from its own layer or an earlier one.
LAYERS = [
    ("generator", "generator.errors", "generator.assets", "generator.fingerprint"),
    ("generator.read",),
    ("generator.model",),
    ("generator.discover", "generator.search"),
    ("generator.pages",),
    ("generator.output",),
    ("generator.options", "generator.inputs", "generator.build", "generator.new_site"),
    ("generator.cli", "generator.serve", "generator.progress", "generator.__main__"),
]
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(name: str) -> int:
    """The layer of a module: that of the longest layer prefix it starts with."""
    best, depth = -1, -1
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and prefix.count(".") > depth:
                best, depth = number, prefix.count(".")
    assert best >= 0, f"{name} is in no layer of tests/test_architecture.py"
    return best


MODULES = sorted(PACKAGE.rglob("*.py"))


def imported(tree: ast.Module) -> list[tuple[int, str]]:
    """Every papershelf module a module imports (at the top or inside a function)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("generator")]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_reaches_back_to_a_later_stage(path: Path) -> None:
    name = module_name(path)
    mine = layer_of(name)
    later = [
        f"line {line}: {target}"
        for line, target in imported(ast.parse(path.read_text()))
        if target != "generator" and layer_of(target) > mine
    ]
    assert not later, f"{name} imports from a later stage: {later}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_functions_and_modules_are_short(path: Path) -> None:
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long


def test_the_layer_check_would_catch_a_module_reaching_back() -> None:
    tree = ast.parse("from generator.output.writer import SiteWriter\n")
    [(_, target)] = imported(tree)
    assert layer_of(target) > layer_of("generator.read.dumps")
