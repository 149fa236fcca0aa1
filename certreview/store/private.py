"""Create folders and files readable by this user only: uploads and the roster are personal data."""

from __future__ import annotations

import os
from pathlib import Path


def make_private_dir(path: Path) -> None:
    """Create PATH and any missing parents with mode 0700 (Taiwan's PDPA: personal data)."""
    path = Path(path)
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        # mkdir(parents=True) would give the parents the default, world-readable mode.
        folder.mkdir(mode=0o700, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Create PATH empty with mode 0600 unless it exists (an existing file is left as it is)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
