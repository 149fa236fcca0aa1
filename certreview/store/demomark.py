"""Mark a database as the demo's, so real files are not mixed into a synthetic department."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from certreview.store.models import ImportLog

# The import log's kind for the mark: one row written in the demo's own transaction, and
# deleted with everything else when `certreview demo --force` replaces the demo.
DEMO_KIND = "demo"


def mark_demo(session: Session) -> None:
    """Record that this database holds the synthetic demo department."""
    session.add(
        ImportLog(kind=DEMO_KIND, source="certreview demo", imported_at=datetime.now(), counts={})
    )


def is_demo(session: Session) -> bool:
    """Return whether `certreview demo` built this database."""
    found = session.scalar(select(ImportLog.id).where(ImportLog.kind == DEMO_KIND).limit(1))
    return found is not None
