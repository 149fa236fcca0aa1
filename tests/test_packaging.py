"""pyproject.toml and environment.yml ask for the same packages with the same lower bounds."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bounds(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(>=\s*[0-9][^,;\s]*)?", spec)
        if match and match.group(1) not in {"python", "pip", "-e"}:
            out[match.group(1).lower()] = (match.group(2) or "").replace(" ", "")
    return out


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = _bounds(project["dependencies"] + extras["test"] + extras["ocr"])
    wanted["psycopg"] = wanted.pop("psycopg", ">=3.1")
    text = (ROOT / "environment.yml").read_text("utf-8")
    packages = text.split("dependencies:", 1)[1].splitlines()
    items = [line.strip()[2:] for line in packages if line.strip().startswith("- ")]
    listed = _bounds([item for item in items if not item.startswith(("-e ", "pip:"))])
    assert listed == wanted
