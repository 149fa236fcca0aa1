"""The demo's two office reviewers: they decide the rounds the way the office would."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from certreview.demo.uploads import ROUNDS
from certreview.store.decisions import check_verdict, decide
from certreview.store.models import Submission

REVIEWERS = ("office-lin", "office-chen")

REASON_FOR_FLAG = {
    "unknown_certificate": "not_in_catalog",
    "before_enrollment": "before_enrollment",
    "unreadable_image": "illegible",
    "duplicate_image": "duplicate",
    "shared_image": "mismatch",
    "name_mismatch": "mismatch",
}


def decide_demo(session: Session, rng: random.Random) -> int:
    """Decide the whole first round and a third of the second, as two office reviewers would."""
    count = 0
    subs = session.scalars(select(Submission).order_by(Submission.id)).all()
    for sub in subs:
        first_round = sub.round.name == ROUNDS[0][0]
        if not first_round and rng.random() > 0.33:
            continue
        flags = set(sub.flag_list)
        reason = next((REASON_FOR_FLAG[f] for f in REASON_FOR_FLAG if f in flags), None)
        if "missing_field" in flags or "missing_image" in flags or "unknown_student" in flags:
            verdict = check_verdict(
                "return", "incomplete", "please complete and upload again", None
            )
        elif reason is not None:
            verdict = check_verdict("reject", reason, None, None)
        elif rng.random() < 0.03:
            verdict = check_verdict("reject", "not_certificate", "this is a payment receipt", None)
        else:
            verdict = check_verdict("approve", None, None, None)
        when = datetime.combine(
            ROUNDS[0 if first_round else 1][1], datetime.min.time()
        ) + timedelta(days=rng.randrange(105, 115), minutes=rng.randrange(9 * 60, 17 * 60))
        decide(session, sub, verdict, rng.choice(REVIEWERS), now=when)
        count += 1
        if rng.random() < 0.02:  # a second look: the later decision supersedes the first
            decide(
                session,
                sub,
                check_verdict("approve", None, "re-checked with the student", None),
                rng.choice(REVIEWERS),
                now=when + timedelta(days=2),
            )
    return count
