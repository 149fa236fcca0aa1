"""The import graph of the package: no cycles, and widgets talk to services, never to a session."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "certreview"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue  # Alembic's scripts, run by Alembic, imported by nobody
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Return every name PATH imports, type-checking-only imports included (a cycle all the same)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(modules)
            found |= submodules or {node.module}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """Return one import cycle of GRAPH as a path of modules, or [] when there is none."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return []


def test_no_module_imports_itself_round_a_cycle() -> None:
    modules = _modules()
    graph = {
        m: {t for t in _imports(p, modules) if t in modules and t != m} for m, p in modules.items()
    }
    assert _cycle(graph) == []


def test_widgets_get_services_and_never_a_database_session() -> None:
    modules = _modules()
    reaching = {
        name: sorted(
            t
            for t in _imports(path, modules)
            if t.split(".")[0] == "sqlalchemy"
            or t in {"certreview.store.models", "certreview.store.engine"}
        )
        for name, path in modules.items()
        if name.startswith("certreview.widgets")
    }
    assert {name: found for name, found in reaching.items() if found} == {}


def test_docstring_examples_run_with_the_tests() -> None:
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))
    pytest_config = config["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in pytest_config["addopts"].split()
    assert "certreview" in pytest_config["testpaths"]


def test_numpy_lower_bound_has_the_functions_the_code_calls() -> None:
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))
    (numpy,) = [d for d in config["project"]["dependencies"] if d.startswith("numpy")]
    bound = tuple(int(n) for n in numpy.split(">=")[1].split("."))
    source = "\n".join(p.read_text("utf-8") for p in _modules().values())
    if "np.bitwise_count" in source:  # new in NumPy 2.0
        assert bound >= (2, 0)
