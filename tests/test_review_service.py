"""The review service against a real database: pages, filters, decisions, conflicts, undo."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from builders import add_submission, department
from PIL import Image
from sqlalchemy import event, select

from certreview.review.service import CLEAN, DecisionConflict, Filters, Partner, ReviewService
from certreview.store.decisions import DecisionError
from certreview.store.models import CatalogItem, Decision, ImageFile, ImageMatch, Submission
from certreview.workspace import Workspace


@pytest.fixture
def service(workspace: Workspace) -> ReviewService:
    department(workspace, 30)
    return ReviewService(workspace, "amy")


def latest(ws: Workspace, pk: int) -> tuple[str, str | None, str | None, str]:
    with ws.Session.begin() as s:
        d = s.scalars(
            select(Decision).where(Decision.submission_pk == pk).order_by(Decision.id.desc())
        ).first()
        assert d is not None
        return d.verdict, d.reason, d.note, d.reviewer


def test_pages_cover_the_view_once_in_a_stable_order(service: ReviewService) -> None:
    view = service.default_filters()
    pages = [service.page(view, n, 8) for n in range(4)]
    assert [len(p) for p in pages] == [8, 8, 8, 6]
    ids = [c.submission_id for p in pages for c in p]
    assert len(set(ids)) == 30
    assert [c.student_key for p in pages for c in p] == sorted(
        c.student_key for p in pages for c in p
    )
    card = pages[0][0]
    assert card.thumbnail is not None and card.thumbnail[:2] == b"\xff\xd8"
    assert card.state == "pending" and card.decision_id is None
    assert str(service.progress(view)) == "0 of 30 decided in this view"


def test_a_pending_view_keeps_its_pages_while_the_reviewer_decides(service: ReviewService) -> None:
    view = service.default_filters()
    first, second = service.page(view, 0, 10), service.page(view, 1, 10)
    for card in first:
        service.decide(card.pk, "approve", expected_latest=card.decision_id)
    again = service.page(view, 1, 10)
    assert [c.pk for c in again] == [c.pk for c in second]
    assert str(service.progress(view)) == "10 of 30 decided in this view"
    assert service.page(view, 0, 10)[0].state == "approved"
    # A fresh view of pending work no longer holds them.
    assert service.progress(service.open_view(view)).total == 20


@pytest.mark.parametrize(
    ("change", "count"),
    [
        ({"flag": CLEAN}, 15),
        ({"flag": "late"}, 5),
        ({"flag": "unknown_certificate"}, 5),
        ({"category": "Language"}, 10),
        ({"item": "TQC-WORD-P"}, 5),
        ({"program": "Evening"}, 10),
        ({"class_name": "資管一甲"}, 10),
        ({"cohort": 112}, 20),
        ({"search": "ｂ１１２"}, 20),  # full-width, lower-case: normalised as at intake
        ({"search": "王 峰"}, 10),  # roster 王峯: spaces and the 峯/峰 variant ignored
        ({"search": "林雅婷"}, 10),  # typed names with a trailing x still match
        ({"search": "S0007"}, 1),
        ({"search": "toeic"}, 10),  # the certificate's name, any case
        ({"search": "%"}, 0),  # LIKE wildcards are text
        ({"status": "approved"}, 0),
        ({"status": "all", "flag": "late", "program": "Evening"}, 5),
    ],
)
def test_filters(service: ReviewService, change: dict[str, object], count: int) -> None:
    view = service.open_view(replace(service.default_filters(), **change))  # type: ignore[arg-type]
    assert service.progress(view).total == count
    assert len(service.page(view, 0, 50)) == count


def test_filter_options_count_under_the_other_filters(service: ReviewService) -> None:
    view = replace(service.default_filters(), program="Day")
    options = service.options(view)
    flags = {o.value: o.count for o in options["flag"]}
    assert flags == {None: 20, CLEAN: 10, "name_mismatch": 5, "unknown_certificate": 5}
    programs = {o.value: o.count for o in options["program"]}
    assert programs == {None: 30, "Day": 20, "Evening": 10}  # its own filter is left out
    status = {o.value: o.count for o in options["status"]}
    assert status == {"pending": 20, "approved": 0, "rejected": 0, "returned": 0, "all": 20}
    assert [o.label for o in options["round"]] == ["All rounds", "AY113"]


def test_a_page_is_one_query(service: ReviewService, workspace: Workspace) -> None:
    view = service.default_filters()
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(workspace.engine, "before_cursor_execute", listener)
    try:
        service.page(view, 1, 24)
    finally:
        event.remove(workspace.engine, "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


@pytest.mark.parametrize(
    ("verdict", "reason", "note", "item", "stored"),
    [
        ("approve", None, None, None, ("approve", None, None)),
        (
            "approve",
            None,
            "checked the original",
            "TOEIC-650",
            ("approve", None, "checked the original"),
        ),
        ("reject", "illegible", None, None, ("reject", "illegible", None)),
        (
            "reject",
            "other",
            "the seal is cut off",
            None,
            ("reject", "other", "the seal is cut off"),
        ),
        (
            "return",
            "incomplete",
            "upload both pages",
            None,
            ("return", "incomplete", "upload both pages"),
        ),
    ],
)
def test_decisions_are_written_with_the_reviewer(
    service: ReviewService, workspace: Workspace, verdict, reason, note, item, stored
) -> None:
    card = service.page(service.default_filters(), 0, 1)[0]
    info = service.decide(card.pk, verdict, reason=reason, note=note, item=item)
    assert latest(workspace, card.pk) == (*stored, "amy")
    assert info.item_code == item
    assert service.card(card.pk).decision == info


@pytest.mark.parametrize(
    ("verdict", "reason", "note", "message"),
    [
        ("reject", None, None, "reject needs a reason"),
        ("reject", "other", "  ", "needs a note"),
        ("approve", "illegible", None, "approve takes no reason"),
        ("maybe", None, None, "unknown decision"),
    ],
)
def test_broken_decisions_are_refused(
    service: ReviewService, verdict, reason, note, message
) -> None:
    card = service.page(service.default_filters(), 0, 1)[0]
    with pytest.raises(DecisionError, match=message):
        service.decide(card.pk, verdict, reason=reason, note=note)
    assert service.card(card.pk).decision is None


def test_a_decision_needs_a_reviewer(workspace: Workspace) -> None:
    pks = department(workspace, 3)
    with pytest.raises(DecisionError, match="reviewer's name"):
        ReviewService(workspace, "  ").decide(pks[0], "approve")


def test_another_reviewers_newer_decision_is_not_overwritten(
    service: ReviewService, workspace: Workspace
) -> None:
    bob = ReviewService(workspace, "bob")
    view = service.default_filters()
    amys_card = service.page(view, 0, 1)[0]
    bob.decide(amys_card.pk, "reject", reason="illegible")
    with pytest.raises(DecisionConflict, match="decided meanwhile by bob") as caught:
        service.decide(amys_card.pk, "approve", expected_latest=amys_card.decision_id)
    newer = caught.value.newer
    assert caught.value.pk == amys_card.pk
    assert (newer.reviewer, newer.state, newer.reason) == ("bob", "rejected", "illegible")
    assert latest(workspace, amys_card.pk)[3] == "bob"
    service.decide(amys_card.pk, "approve", expected_latest=newer.id)  # the override
    assert latest(workspace, amys_card.pk) == ("approve", None, None, "amy")


def test_approve_many_skips_conflicts_and_reports_them(
    service: ReviewService, workspace: Workspace
) -> None:
    cards = service.page(service.default_filters(), 0, 4)
    ReviewService(workspace, "bob").decide(cards[1].pk, "return", reason="incomplete")
    approved, conflicts = service.approve_many({c.pk: c.decision_id for c in cards})
    assert sorted(approved) == sorted(c.pk for c in cards if c is not cards[1])
    assert list(conflicts) == [cards[1].pk] and conflicts[cards[1].pk].reviewer == "bob"
    assert latest(workspace, cards[1].pk)[0] == "return"


def test_undo_last_walks_back_actions_without_deleting(
    service: ReviewService, workspace: Workspace
) -> None:
    cards = service.page(service.default_filters(), 0, 3)
    service.decide(cards[0].pk, "reject", reason="duplicate")
    service.approve_many({c.pk: None for c in cards[1:]})
    undone = service.undo_last()  # the bulk approval, as one action
    assert sorted(undone.restored) == sorted(c.pk for c in cards[1:]) and not undone.refused
    assert all(d.state == "pending" for d in undone.restored.values())
    assert service.undo_last().restored[cards[0].pk].state == "pending"
    assert not service.can_undo()
    with pytest.raises(DecisionError, match="nothing to undo"):
        service.undo_last()
    with workspace.Session.begin() as s:
        assert len(s.scalars(select(Decision)).all()) == 1 + 2 + 2 + 1  # appended, never deleted
    assert latest(workspace, cards[0].pk) == ("pending", None, None, "amy")


def test_undo_leaves_alone_what_someone_decided_since(
    service: ReviewService, workspace: Workspace
) -> None:
    card = service.page(service.default_filters(), 0, 1)[0]
    service.decide(card.pk, "approve")
    ReviewService(workspace, "bob").decide(card.pk, "reject", reason="mismatch")
    undone = service.undo_last()
    assert undone.restored == {} and "newer decision" in undone.refused[card.pk]
    assert latest(workspace, card.pk)[3] == "bob"


def test_detail_gathers_the_student_the_standard_and_the_history(
    service: ReviewService, workspace: Workspace
) -> None:
    view = service.open_view(replace(service.default_filters(), search="B11200002"))
    cards = service.page(view, 0, 50)
    assert [c.submission_id for c in cards[:2]] == ["S0001", "S0004"]
    service.decide(cards[1].pk, "approve")  # TQC Word 進階級, 2 points
    detail = service.detail(cards[0].pk)
    assert detail.student is not None and detail.student.name == "林雅婷"
    assert detail.standard is not None and detail.standard.name == "AY111+"
    assert detail.standing is not None and detail.standing.standard == detail.standard.name
    assert len(detail.others) == 9 and all(o.student_id == "B11200002" for o in detail.others)
    assert detail.flags == (
        ("name_mismatch", "The typed name is not the roster name for this ID."),
    )
    assert detail.standing is not None and not detail.standing.met
    assert detail.standing.missing == "needs 1 more certificate in Language; 1 more point"
    assert detail.counts == "does not count: not decided yet"
    assert service.detail(cards[1].pk).history[0].reviewer == "amy"
    assert service.detail(cards[1].pk).counts == "counts toward the standard"


def test_detail_of_a_student_not_on_the_roster(
    service: ReviewService, workspace: Workspace
) -> None:
    pk = add_submission(
        workspace,
        submission_id="X1",
        student_id=None,
        student_key="B99999999",
        flags="unknown_student;unreadable_image",
        notes="blank: exam_year",
        image_note="The file is cut off — please upload it again",
    )
    detail = service.detail(pk)
    assert detail.student is None and detail.standard is None and detail.standing is None
    assert detail.others == ()
    assert detail.notes == ("blank: exam_year", "The file is cut off — please upload it again")


def test_preview_turns_the_image(service: ReviewService) -> None:
    card = service.page(service.default_filters(), 0, 1)[0]
    assert card.image_sha256 is not None
    upright = Image.open(io.BytesIO(service.preview(card.image_sha256) or b""))
    turned = Image.open(io.BytesIO(service.preview(card.image_sha256, rotate=90) or b""))
    assert turned.size == (upright.height, upright.width)
    assert service.preview("0" * 64) is None  # not stored: the view shows a placeholder


def test_unknown_status_is_refused(service: ReviewService) -> None:
    with pytest.raises(ValueError, match="unknown status"):
        service.page(Filters(status="done"), 0, 5)


def test_search_finds_certificates_by_typed_name_catalog_name_and_alias(
    service: ReviewService, workspace: Workspace
) -> None:
    add_submission(
        workspace,
        submission_id="P1",
        certificate_name_text="Adobe Photoshop ACA",
        item_code=None,
        flags="unknown_certificate",
    )
    with workspace.Session.begin() as s:
        s.get(CatalogItem, "TOEIC-650").aliases = "多益|TOEIC L&R"

    def found(text: str) -> set[str]:
        view = service.open_view(Filters(status="all", search=text))
        return {c.submission_id for c in service.page(view, 0, 100)}

    assert found("photoshop") == {"P1"}  # typed text, any case
    assert found("ＰＨＯＴＯＳＨＯＰ") == {"P1"}  # full-width, as students type it
    assert len(found("多益")) == 10  # an alias of the matched item
    service.decide(service.card(_pk(workspace, "P1")).pk, "approve", item="TOEIC-650")
    assert "P1" in found("多益") and len(found("多益")) == 11  # the item a reviewer chose
    assert len(found("tqc word")) == 20 and found("Word 進階") == {
        f"S{n:04d}" for n in range(1, 30, 3)
    }


def _pk(ws: Workspace, submission_id: str) -> int:
    with ws.Session.begin() as s:
        return s.scalars(
            select(Submission.id).where(Submission.submission_id == submission_id)
        ).one()


def _flag(ws: Workspace, submission_id: str, flags: str, phash: str | None = None) -> None:
    with ws.Session.begin() as s:
        sub = s.scalars(select(Submission).where(Submission.submission_id == submission_id)).one()
        sub.flags = flags
        if phash is not None:
            s.get(ImageFile, sub.image_sha256).phash = phash


def test_a_shared_image_names_the_other_student_and_opens_their_upload(
    service: ReviewService, workspace: Workspace
) -> None:
    with workspace.Session.begin() as s:
        red = s.scalars(select(Submission.image_sha256).where(Submission.submission_id == "S0000"))
        sha = red.one()
    copy = add_submission(
        workspace,
        submission_id="C1",
        student_id="B11200002",
        student_key="B11200002",
        student_name_text="林雅婷",
        image_sha256=sha,
        flags="shared_image",
    )
    _flag(workspace, "S0000", "shared_image")
    original = _pk(workspace, "S0000")
    # The same file: each side names the other.
    assert service.card(copy).partners == (Partner(original, "S0000", "B11200001", "陳家豪"),)
    assert service.card(original).partners == (Partner(copy, "C1", "B11200002", "林雅婷"),)
    view = service.open_view(Filters(status="all", search="C1"))
    assert service.page(view, 0, 5)[0].partners[0].submission_id == "S0000"
    detail = service.detail(copy)
    assert [c.submission_id for c in detail.partners] == ["S0000"]
    assert detail.partners[0].thumbnail is not None
    assert service.card(_pk(workspace, "S0001")).partners == ()  # unflagged: not looked up


def test_near_duplicates_pair_by_the_match_intake_stored(
    service: ReviewService, workspace: Workspace
) -> None:
    # S0001 (green), S0002 (blue) and S0004 (purple) are different files of two students;
    # intake found S0001 and S0004 to show one certificate. Close perceptual hashes alone pair
    # nothing: certificates of one template have them.
    _flag(workspace, "S0001", "duplicate_image", phash="ffff000000000000")
    _flag(workspace, "S0004", "duplicate_image", phash="ffff000000000000")
    _flag(workspace, "S0002", "duplicate_image", phash="ffff000000000001")
    with workspace.Session.begin() as s:
        shas = {
            sid: sha
            for sid, sha in s.execute(select(Submission.submission_id, Submission.image_sha256))
        }
        a, b = sorted((shas["S0001"], shas["S0004"]))
        s.add(ImageMatch(sha_a=a, sha_b=b))
    partners = service.card(_pk(workspace, "S0001")).partners
    assert [p.submission_id for p in partners] == ["S0004"]
    assert [p.submission_id for p in service.card(_pk(workspace, "S0004")).partners] == ["S0001"]
    assert service.card(_pk(workspace, "S0002")).partners == ()


def test_other_submissions_list_this_round_first_and_all_of_them(workspace: Workspace) -> None:
    pks = department(workspace, 30, rounds=2)  # even uploads in AY113, odd in AY114
    detail = ReviewService(workspace, "amy").detail(pks[0])
    assert [c.submission_id for c in detail.others] == [
        "S0006",
        "S0012",
        "S0018",
        "S0024",
        "S0003",
        "S0009",
        "S0015",
        "S0021",
        "S0027",
    ]
