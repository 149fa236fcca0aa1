"""The package's layers: pure rules at the bottom, the command line at the top, no way back up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "certreview"

# Lower number = lower layer. A module may import its own layer or a lower one, never a higher.
LAYERS = {
    "i18n": 0,
    "rules": 0,
    "config": 0,
    "images": 1,
    "store": 2,
    "workspace": 3,
    "reports": 4,
    "ingest": 5,
    "review": 5,
    "demo": 6,
    "widgets": 7,
    "cli": 8,
}
# What the pure rules may use besides the standard library and each other.
PURE_ALLOWED = {"numpy", "pandas", "certreview"}


def _part(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            if node.module == "certreview":
                found.update(f"certreview.{alias.name}" for alias in node.names)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path: Path) -> None:
    part = _part(path)
    if part not in LAYERS:
        return
    upward = [
        name
        for name in _imports(path)
        if name.startswith("certreview.")
        and name.split(".")[1] in LAYERS
        and LAYERS[name.split(".")[1]] > LAYERS[part]
    ]
    assert not upward, f"{path.relative_to(PACKAGE)} ({part}) imports higher layers: {upward}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "rules").glob("*.py")), ids=lambda p: p.name)
def test_rules_are_pure(path: Path) -> None:
    import sys

    outside = {
        name
        for name in _imports(path)
        if name.split(".")[0] not in PURE_ALLOWED
        and name.split(".")[0] not in sys.stdlib_module_names
        and name != "__future__"
    }
    assert not outside, f"rules/{path.name} imports {sorted(outside)}: keep I/O out of rules/"
    assert not any(
        n.startswith("certreview.") and not n.startswith(("certreview.rules", "certreview.i18n"))
        for n in _imports(path)
    )


def test_no_module_is_too_long() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in MODULES
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 420
    }
    assert not long, f"split these modules (over ~400 lines): {long}"


def test_the_readme_map_names_every_module_where_it_is() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Development", 1)[1].split("```", 2)[1]
    for line in block.splitlines():
        if not line.startswith("  ") or line.startswith("   "):
            continue
        first, _, rest = line.strip().partition(" ")
        folder = first.rstrip("/") if first.endswith("/") else ""
        text = rest if folder else line.strip()
        # Module names, single-spaced; two spaces start the words about them.
        listed = set(text.strip().partition("  ")[0].split())
        place = PACKAGE / folder
        actual = {p.stem for p in place.glob("*.py") if p.stem not in {"__init__", "__main__"}}
        if not folder:  # the top line names only the top-level modules it is about
            actual = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
        assert listed == actual, f"README map of {folder or 'certreview/'}: {listed ^ actual}"
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    mapped = {
        line.split()[0].rstrip("/")
        for line in block.splitlines()
        if line.startswith("  ") and not line.startswith("   ") and line.split()[0].endswith("/")
    }
    assert folders <= mapped, f"folders missing from the README map: {folders - mapped}"
