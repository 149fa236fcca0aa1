"""pyproject.toml and environment.yml ask for the same packages with the same lower bounds, and
nothing installed brings back OpenCV's GUI wheel."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

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


# OpenCV's GUI wheels hold the same `cv2` package as the headless one certreview asks for, and
# overwrite it: `cv2` then links Qt and libGL.so.1 and fails to import on a server or in a
# container without libGL, and intake's copy check with it (rapidocr-onnxruntime 1.4 did this).
GUI_OPENCV = {"opencv-python", "opencv-contrib-python"}


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_no_gui_opencv_is_installed_beside_the_headless_one():
    installed = {_key(d.metadata["Name"]) for d in metadata.distributions()}
    assert "opencv-python-headless" in installed
    assert installed & GUI_OPENCV == set()


def test_no_installed_dependency_asks_for_a_gui_opencv():
    """Follow the installed packages' requirements from certreview with every extra, as pip does."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"].values()
    wanted = project["dependencies"] + [text for extra in extras for text in extra]
    todo = [(Requirement(text), "certreview") for text in wanted]
    seen: set[tuple[str, str]] = set()
    while todo:
        req, asker = todo.pop()
        assert _key(req.name) not in GUI_OPENCV, f"{asker} requires {req}"
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue  # an extra not installed here
        for extra in req.extras | {""}:
            if (_key(req.name), extra) in seen:
                continue
            seen.add((_key(req.name), extra))
            for text in dist.requires or []:
                sub = Requirement(text)
                if sub.marker is None or sub.marker.evaluate({"extra": extra}):
                    todo.append((sub, dist.metadata["Name"]))
    assert ("jupyter-server", "") in seen  # the walk went past certreview's own list
