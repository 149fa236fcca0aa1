"""The fixed words of the contract: intake flags, decisions and reasons, with plain meanings."""

from __future__ import annotations

# Intake flags, in the order the office reads them; the text is what a reviewer sees.
FLAGS: dict[str, str] = {
    "missing_field": "A required field is blank or cannot be read.",
    "unknown_student": "The student ID matches no student on the roster.",
    "name_mismatch": "The typed name is not the roster name for this ID.",
    "before_enrollment": "The exam year is before the student's admission year.",
    "after_enrollment": "The exam year is after the student left.",
    "future_year": "The exam year is later than the year the upload was made.",
    "ambiguous_year": "A calendar year (e.g. 2023) without an exam date: two academic years fit.",
    "unknown_certificate": "The certificate matches no catalog item or alias.",
    "missing_image": "The image file named in the export is not there.",
    "unreadable_image": "The file is not a readable image or PDF.",
    "image_too_large": "The image is over the size or pixel limit.",
    "unsafe_path": "The image path points outside the images folder or ZIP.",
    "duplicate_image": "The same image was already submitted by this student.",
    "shared_image": "The same image was submitted by another student.",
    "late": "Submitted after the round's cutoff.",
}

# A roster student's status, as the registrar's roster says it.
STUDENT_STATUSES = ("enrolled", "graduated", "withdrawn", "suspended")

VERDICTS = ("approve", "reject", "return")
# "pending" is never chosen by a reviewer: it is what an undo of a first decision writes.
STATES = ("pending", "approved", "rejected", "returned")
STATE_OF_VERDICT = {
    "approve": "approved",
    "reject": "rejected",
    "return": "returned",
    "pending": "pending",
}

# One colour per state, the same in the workbench and in the statistics charts.
STATE_COLOURS = {
    "pending": "#757575",
    "approved": "#2e7d32",
    "rejected": "#c62828",
    "returned": "#ef6c00",
}

REASONS: dict[str, str] = {
    "incomplete": "The upload is incomplete (missing information or part of the certificate).",
    "not_certificate": "The image is not a copy of the certificate (receipt, transcript, ticket).",
    "before_enrollment": "The certificate was earned before enrollment.",
    "not_in_catalog": "The certificate is not in the course standards' catalog.",
    "mismatch": "The certificate does not match the student or the details typed.",
    "duplicate": "This certificate was already submitted.",
    "illegible": "The image cannot be read clearly.",
    "other": "Other (see the note).",
}
