"""The workbench driven through its buttons, dropdowns and key events against a real database."""

from __future__ import annotations

from typing import Any

import pytest
from builders import add_image, add_submission, department
from sqlalchemy import select

from certreview.review.service import ReviewService
from certreview.store.models import Decision, ImageFile
from certreview.widgets import ReviewWorkbench
from certreview.widgets.cards import CONFLICT_BORDER, CURSOR_BORDER
from certreview.workspace import Workspace

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def bench(workspace: Workspace) -> ReviewWorkbench:
    department(workspace, 30)
    return ReviewWorkbench(ReviewService(workspace, "amy"))


def key(name: str, **extra: Any) -> dict[str, Any]:
    """Return a keydown event as the key catcher sends it."""
    return {"type": "keydown", "key": name, "code": name, "repeat": False, **extra}


def decisions(ws: Workspace) -> list[tuple[int, str, str | None, str | None, str]]:
    with ws.Session.begin() as s:
        rows = s.scalars(select(Decision).order_by(Decision.id))
        return [(d.submission_pk, d.verdict, d.reason, d.note, d.reviewer) for d in rows]


def shown(bench: ReviewWorkbench) -> list[str]:
    return [v.card.submission_id for v in bench.visible_cards() if v.card]


def test_the_reviewer_is_asked_once(workspace: Workspace) -> None:
    department(workspace, 3)
    service = ReviewService(workspace)
    bench = ReviewWorkbench(service)
    assert bench.reviewer_bar.layout.display != "none" and bench.main.layout.display == "none"
    bench.reviewer.value = "  "
    bench.start_button.click()
    assert bench.main.layout.display == "none" and service.reviewer == ""
    bench.reviewer.value = "office-lin"
    bench.start_button.click()
    assert service.reviewer == "office-lin" and bench.reviewer_bar.layout.display == "none"
    assert len(shown(bench)) == 3 and "office-lin" in bench.who.value
    bench.views[0].approve.click()
    assert decisions(workspace)[0][-1] == "office-lin"


def test_approve_click_writes_and_shows_at_once(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    view = bench.views[2]
    assert bench.progress_label.value == "0 of 30 decided in this view"
    view.approve.click()
    assert decisions(workspace) == [(view.card.pk, "approve", None, None, "amy")]
    assert "Approved" in view.state and view.card.state == "approved"
    assert bench.progress_label.value == "1 of 30 decided in this view"
    assert bench.progress_bar.value == 1 and bench.progress_bar.max == 30
    assert not bench.undo_button.disabled


def test_reject_needs_a_reason_from_the_picker(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    view = bench.views[0]
    view.reject.click()
    # The rule's own words (decisions.check_verdict), as the command line says them.
    assert "reject needs a reason: one of incomplete" in view.message
    assert decisions(workspace) == []
    view.pick("illegible")
    view.reject.click()
    assert decisions(workspace) == [(view.card.pk, "reject", "illegible", None, "amy")]
    assert "Rejected — cannot be read" in view.state and "illegible" not in view.state


def test_reject_other_asks_for_a_note(bench: ReviewWorkbench, workspace: Workspace) -> None:
    view = bench.views[1]
    view.pick("other")
    view.reject.click()
    assert bench.note_bar.layout.display == "flex" and decisions(workspace) == []
    bench.note_ok.click()
    assert "needs a note" in view.message and decisions(workspace) == []
    bench.note_text.value = "the seal is cut off"
    bench.note_ok.click()
    assert decisions(workspace) == [(view.card.pk, "reject", "other", "the seal is cut off", "amy")]
    assert bench.note_bar.layout.display == "none"


def test_return_with_other_asks_for_a_note_and_stays_a_return(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    view = bench.views[1]
    view.pick("other")
    view.send_back.click()
    assert bench.note_bar.layout.display == "flex" and decisions(workspace) == []
    assert "Return" in bench.note_label.value and bench.note_ok.description.startswith("Return")
    bench.note_text.value = "scan both pages"
    bench.note_ok.click()
    assert decisions(workspace) == [(view.card.pk, "return", "other", "scan both pages", "amy")]


def test_return(bench: ReviewWorkbench, workspace: Workspace) -> None:
    view = bench.views[3]
    view.send_back.click()  # nothing tells the student what to fix yet
    assert decisions(workspace) == []
    assert "return needs a reason or a note" in view.message
    view.pick("incomplete")
    view.send_back.click()
    assert decisions(workspace) == [(view.card.pk, "return", "incomplete", None, "amy")]
    assert "Returned — incomplete" in view.state


def test_keyboard_decides_and_moves(bench: ReviewWorkbench, workspace: Workspace) -> None:
    cards = [v.card.pk for v in bench.visible_cards()]
    assert bench.views[0].border == CURSOR_BORDER
    bench.handle_key(key("a"))  # approve card 0, move to card 1
    bench.handle_key(key("2"))  # reject card 1: not_certificate
    bench.views[2].pick("illegible")
    bench.handle_key(key("R"))  # return card 2 with the reason picked on it (Caps Lock is fine)
    bench.handle_key(key("a", repeat=True))  # a held key does nothing
    bench.handle_key(key("a", ctrlKey=True))  # nor a shortcut
    bench.handle_key({"type": "keyup", "key": "a"})
    assert decisions(workspace) == [
        (cards[0], "approve", None, None, "amy"),
        (cards[1], "reject", "not_certificate", None, "amy"),
        (cards[2], "return", "illegible", None, "amy"),
    ]
    assert bench.cursor == 3 and bench.views[3].border == CURSOR_BORDER
    bench.handle_key(key("ArrowLeft"))
    bench.handle_key(key("k"))
    assert bench.cursor == 1
    bench.handle_key(key("x"))
    assert bench.views[1].selected and bench.approve_selected.description == "Approve selected (1)"
    bench.handle_key(key("u"))  # undo the return of card 2
    assert decisions(workspace)[-1][:2] == (cards[2], "pending")
    assert bench.progress_label.value == "2 of 30 decided in this view"
    bench.handle_key(key("8"))  # other: the note bar opens instead of deciding
    assert bench.note_bar.layout.display == "flex" and len(decisions(workspace)) == 4
    bench.handle_key(key("Escape"))  # no note: nothing written, the keys move cards again
    assert bench.note_bar.layout.display == "none" and len(decisions(workspace)) == 4
    bench.handle_key(key("n"))
    assert bench.page_number == 1 and bench.cursor == 0
    bench.handle_key(key("PageUp"))
    assert bench.page_number == 0
    bench.handle_key(key("Enter"))
    assert bench.detail.visible and bench.detail.detail.card.pk == cards[0]
    bench.handle_key(key("a"))  # card 0 is approved already: the detail view writes nothing
    assert len(decisions(workspace)) == 4 and "Already approved" in bench.detail.message.value


def test_next_card_at_the_end_of_a_page_turns_it(bench: ReviewWorkbench) -> None:
    bench.size.value = 12
    bench.cursor = 11
    bench.handle_key(key("ArrowRight"))
    assert bench.page_number == 1 and bench.cursor == 0


def test_a_newer_decision_by_someone_else_is_shown_not_overwritten(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    bob = ReviewService(workspace, "bob")
    view = bench.views[0]
    pk = view.card.pk
    bob.decide(pk, "reject", reason="mismatch")
    view.approve.click()
    assert view.conflict_shown and view.border == CONFLICT_BORDER
    assert "by bob" in view.message and "Rejected — " in view.message
    assert decisions(workspace) == [(pk, "reject", "mismatch", None, "bob")]
    view.keep.click()
    assert not view.conflict_shown and "bob" in view.state
    assert bench.progress_label.value == "1 of 30 decided in this view"

    bob.decide(pk, "return", reason="incomplete")
    view.approve.click()
    assert view.override.description == "Override: approve"
    view.override.click()
    assert decisions(workspace)[-1] == (pk, "approve", None, None, "amy")
    assert not view.conflict_shown and "Approved" in view.state


def test_approve_all_clean_on_the_page_with_confirmation(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    clean = [v.card.pk for v in bench.visible_cards() if v.card.clean]
    assert len(clean) == 12  # of the first 24, flagged ones stay for a closer look
    bench.approve_clean.click()
    assert bench.confirm_bar.layout.display == "flex" and "12 clean" in bench.confirm_text.value
    bench.confirm_no.click()
    assert bench.confirm_bar.layout.display == "none" and decisions(workspace) == []
    bench.approve_clean.click()
    bench.confirm_yes.click()
    assert sorted(d[0] for d in decisions(workspace)) == sorted(clean)
    assert bench.progress_label.value == "12 of 30 decided in this view"
    bench.undo_button.click()  # one undo takes back the whole bulk approval
    assert bench.progress_label.value == "0 of 30 decided in this view"
    assert all(v.card.state == "pending" for v in bench.visible_cards())


def test_approve_selected_reports_conflicts_on_their_cards(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    views = bench.visible_cards()[:3]
    for v in views:
        v.select(True)
    assert bench.approve_selected.description == "Approve selected (3)"
    ReviewService(workspace, "bob").decide(views[1].card.pk, "reject", reason="duplicate")
    bench.approve_selected.click()
    bench.confirm_yes.click()
    assert views[0].card.state == views[2].card.state == "approved"
    assert views[1].conflict_shown and "bob" in views[1].message
    assert "1 decided meanwhile" in bench.status.value
    assert not any(v.selected for v in views)


def test_filters_change_the_grid_at_once_with_counts(bench: ReviewWorkbench) -> None:
    flag = bench.filter_bar.dropdowns["flag"]
    labels = [label for label, _ in flag.options]
    assert labels[:3] == ["any (30)", "no flags (15)", "Name differs from the roster (5)"]
    flag.value = "late"
    assert len(shown(bench)) == 5 and all("late" in v.card.flags for v in bench.visible_cards())
    assert bench.progress_label.value == "0 of 5 decided in this view"
    program = bench.filter_bar.dropdowns["program"]
    assert [label for label, _ in program.options] == [
        "All programs (5)",
        "Evening (5)",
    ]
    bench.filter_bar.dropdowns["flag"].value = "*"
    bench.filter_bar.search.value = "王 峰"
    assert len(shown(bench)) == 10
    assert all(v.card.student_id == "B11100003" for v in bench.visible_cards())
    bench.filter_bar.search.value = "nobody"
    assert shown(bench) == [] and "Nothing to review" in bench.status.value


def test_a_selected_choice_stays_when_its_count_drops_to_zero(bench: ReviewWorkbench) -> None:
    bench.filter_bar.dropdowns["program"].value = "Day"
    bench.filter_bar.search.value = "王峯"  # an Evening student
    assert bench.filter_bar.dropdowns["program"].value == "Day"
    assert ("Day (0)", "Day") in bench.filter_bar.dropdowns["program"].options
    assert shown(bench) == []


def test_paging_reuses_the_card_widgets(bench: ReviewWorkbench) -> None:
    widgets_before = [id(v) for v in bench.views]
    first = shown(bench)
    assert bench.page_label.value == "Page 1 of 2 · cards 1–24 of 30"
    bench.next_button.click()
    assert bench.page_label.value == "Page 2 of 2 · cards 25–30 of 30"
    assert len(shown(bench)) == 6 and not set(shown(bench)) & set(first)
    assert [id(v) for v in bench.views] == widgets_before
    assert bench.views[6].card is None and bench.grid.cards[6] is None  # hidden
    assert bench.next_button.disabled
    bench.previous_button.click()
    assert shown(bench) == first
    bench.size.value = 12
    assert len(shown(bench)) == 12 and len(bench.grid.cards) == 12
    bench.size.value = 48
    assert len(shown(bench)) == 30 and len(bench.views) == 48


def test_decided_cards_stay_on_their_page_until_the_view_is_refreshed(
    bench: ReviewWorkbench,
) -> None:
    first = shown(bench)
    bench.approve_clean.click()
    bench.confirm_yes.click()
    bench.next_button.click()
    bench.previous_button.click()
    assert shown(bench) == first  # the pending view keeps its membership
    bench.refresh_button.click()
    assert bench.progress_label.value == "0 of 18 decided in this view"


def test_detail_view_decides_and_goes_back(bench: ReviewWorkbench, workspace: Workspace) -> None:
    view = next(v for v in bench.visible_cards() if "unknown_certificate" in v.card.flags)
    view.details.click()
    detail = bench.detail
    assert detail.visible and bench.cards_row.layout.display == "none"
    assert "B1120000" in detail.roster.value or "B1110000" in detail.roster.value
    assert "AY111+" in detail.standard.value and "still needs" in detail.standard.value
    assert "matches no catalog item" in detail.flags.value
    assert "No decision yet" in detail.history.value
    assert sum(m.box.layout.display == "flex" for m in detail.others) == 9  # all of them
    before = detail.image.value
    detail.rotate_right.click()
    assert detail.image.value != before and detail.rotation == 90
    detail.zoom.value = "200%"
    assert detail.image.layout.width == "200%"
    detail.item.value = "TOEIC-650"
    detail.approve.click()
    assert decisions(workspace)[-1] == (view.card.pk, "approve", None, None, "amy")
    with workspace.Session.begin() as s:
        assert s.scalars(select(Decision.item_code)).one() == "TOEIC-650"
    assert "Approved" in view.state and "Approved" in detail.history.value
    assert detail.rotation == 90  # the reviewer's view is kept after deciding
    detail.reason.value = "other"
    detail.reject.click()
    assert "needs a note" in detail.message.value
    detail.note.value = "wrong person"
    detail.reject.click()
    assert decisions(workspace)[-1][1:4] == ("reject", "other", "wrong person")
    detail.back.click()
    assert not detail.visible and bench.cards_row.layout.display == "flex"


def test_detail_shows_a_conflict_with_keep_and_override(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    view = bench.views[0]
    view.details.click()
    ReviewService(workspace, "bob").decide(view.card.pk, "approve")
    bench.detail.send_back.click()  # a return must say what to fix
    assert "return needs a reason or a note" in bench.detail.message.value
    bench.detail.reason.value = "incomplete"
    bench.detail.send_back.click()
    assert bench.detail.conflict.layout.display == "flex" and "bob" in bench.detail.message.value
    bench.detail.override.click()
    assert decisions(workspace)[-1][1:] == ("return", "incomplete", None, "amy")
    assert "Returned — incomplete" in view.state


def test_student_text_is_shown_as_text(bench: ReviewWorkbench, workspace: Workspace) -> None:
    with workspace.Session.begin() as s:
        sha = add_image(workspace, s, "white")
    add_submission(
        workspace,
        submission_id="S-XSS",
        student_id_text=XSS,
        student_name_text=XSS,
        certificate_name_text=f"<script>alert(1)</script>{XSS}",
        category_text='"><b>bold</b>',
        exam_year_text=XSS,
        student_id=None,
        student_key="<IMG",
        image_sha256=sha,
    )
    add_submission(workspace, submission_id="S-XSS2", student_id=None, student_key="<IMG")
    bench.filter_bar.search.value = "S-XSS"
    (view,) = bench.visible_cards()
    for value in (view.info, view.state):
        assert "<img" not in value and "<script" not in value and "<b>bold" not in value
    assert "&lt;img src=x onerror=alert(1)&gt;" in view.info
    view.pick("other")
    view.reject.click()
    assert "<img" not in bench.note_label.value
    bench.note_text.value = XSS
    bench.note_ok.click()
    assert "&lt;img" in view.state and "<img" not in view.state
    view.details.click()
    for part in (bench.detail.header, bench.detail.history, bench.detail.others[0].text):
        assert "<img" not in part.value and "<script" not in part.value
    assert "&lt;img" in bench.detail.history.value


def test_the_roster_name_is_shown_only_when_it_really_differs(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    add_submission(
        workspace,
        submission_id="S-SP",
        student_id="B11200002",
        student_key="B11200002",
        student_name_text="林\u3000雅婷 ",
    )
    add_submission(
        workspace,
        submission_id="S-OTHER",
        student_id="B11200002",
        student_key="B11200002",
        student_name_text="林雅芳",
    )
    bench.filter_bar.search.value = "S-SP"
    (view,) = bench.visible_cards()
    assert "(roster:" not in view.info
    bench.filter_bar.search.value = "S-OTHER"
    (view,) = bench.visible_cards()
    assert "(roster: 林雅婷)" in view.info


def test_badges_filters_and_decisions_read_as_words(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    add_submission(workspace, submission_id="W1", flags="shared_image;late")
    bench.filter_bar.search.value = "W1"
    (view,) = bench.visible_cards()
    assert "Image also uploaded by another student" in view.info
    assert "Submitted after the cutoff" in view.info and ">late<" not in view.info
    assert [label for label, _ in bench.grid.labels["reasons"]][2] == "2 not a certificate"
    status = [label for label, _ in bench.filter_bar.dropdowns["status"].options]
    assert status[:2] == ["Pending (1)", "Approved (0)"] and status[-1] == "All (1)"
    view.pick("not_certificate")
    view.reject.click()
    assert "Rejected — not a certificate" in view.state
    assert "not_certificate" not in view.state
    view.details.click()
    assert "Student ID" in bench.detail.roster.value
    assert "not a certificate" in bench.detail.history.value


def test_a_shared_image_says_with_whom_and_the_detail_opens_the_other_upload(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    with workspace.Session.begin() as s:
        sha = add_image(workspace, s, "yellow")
    first = add_submission(workspace, submission_id="K1", image_sha256=sha, flags="shared_image")
    add_submission(
        workspace,
        submission_id="K2",
        student_id="B11200002",
        student_key="B11200002",
        student_id_text="B11200002",
        student_name_text="林雅婷",
        image_sha256=sha,
        flags="shared_image",
    )
    bench.filter_bar.search.value = "K2"
    (view,) = bench.visible_cards()
    assert "Same image as B11200001 陳家豪 (K1)" in view.info
    view.details.click()
    detail = bench.detail
    copies = [m for m in detail.copies if m.box.layout.display == "flex"]
    assert [m.card.submission_id for m in copies] == ["K2", "K1"]  # the pair, side by side
    assert copies[0].image.value == copies[1].image.value  # the same picture
    copies[1].open.click()
    assert detail.visible and detail.detail.card.pk == first
    assert "Same image as B11200002 林雅婷 (K2)" in detail.header.value


def test_every_other_submission_can_be_opened(bench: ReviewWorkbench) -> None:
    view = bench.views[0]
    view.details.click()
    detail = bench.detail
    student = view.card.student_id
    shown = [m for m in detail.others if m.box.layout.display == "flex"]
    assert len(shown) == 9 and detail.others_box.layout.overflow == "auto"
    target = shown[-1].card
    shown[-1].open.click()
    assert detail.detail.card.pk == target.pk and detail.detail.card.student_id == student
    assert view.card.pk in [m.card.pk for m in detail.others if m.box.layout.display == "flex"]


@pytest.mark.parametrize(("file_format", "pages", "box"), [("TIFF", 3, "none"), ("PDF", 3, "flex")])
def test_only_a_pdf_shows_the_page_box(
    bench: ReviewWorkbench, workspace: Workspace, file_format: str, pages: int, box: str
) -> None:
    with workspace.Session.begin() as s:
        sha = add_image(workspace, s, "pink")
        image = s.get(ImageFile, sha)
        image.format, image.pages = file_format, pages
    add_submission(workspace, submission_id="T1", image_sha256=sha)
    bench.filter_bar.search.value = "T1"
    (view,) = bench.visible_cards()
    view.details.click()
    assert bench.detail.page.layout.display == box


def test_a_second_a_on_a_decided_card_writes_nothing_until_c(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    first = bench.views[0].card.pk
    bench.handle_key(key("a"))
    bench.handle_key(key("ArrowLeft"))  # back on the approved card
    bench.handle_key(key("a"))
    bench.handle_key(key("3"))
    assert decisions(workspace) == [(first, "approve", None, None, "amy")]
    assert "Already approved" in bench.views[0].message and "press C" in bench.status.value
    bench.handle_key(key("c"))  # an explicit change
    bench.handle_key(key("7"))
    assert decisions(workspace)[-1] == (first, "reject", "illegible", None, "amy")
    assert bench.views[0].message == ""  # the old message goes with the problem
    bench.handle_key(key("ArrowLeft"))
    bench.handle_key(key("a"))  # C held for one decision only
    assert len(decisions(workspace)) == 2


def test_shift_digit_returns_and_o_types_a_note(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    pks = [v.card.pk for v in bench.visible_cards()]
    bench.handle_key(key("@", code="Digit2", shiftKey=True))  # Shift+2 on any layout
    bench.handle_key(key("o"))
    assert bench.note_bar.layout.display == "flex" and bench.cursor == 1
    for k in ["s", "e", "a", "x", "Backspace", "l", " ", "c", "u", "t", "Enter"]:
        bench.handle_key(key(k))  # typed over the cards: the note, not approvals
    bench.handle_key(key("8", code="Digit8", shiftKey=True))  # return as other: a note too
    bench.note_text.value = "send the back side"  # typed in the box, Enter
    assert decisions(workspace) == [
        (pks[0], "return", "not_certificate", None, "amy"),
        (pks[1], "reject", "other", "seal cut", "amy"),
        (pks[2], "return", "other", "send the back side", "amy"),
    ]
    assert bench.note_bar.layout.display == "none" and bench.cursor == 3


def test_undo_puts_the_highlight_back_and_counts_follow(bench: ReviewWorkbench) -> None:
    pending = dict(bench.filter_bar.dropdowns["status"].options)
    label = next(k for k, v in pending.items() if v == "pending")
    assert label.endswith("(30)")
    bench.handle_key(key("a"))
    bench.handle_key(key("a"))
    assert bench.cursor == 2
    labels = [k for k, v in bench.filter_bar.dropdowns["status"].options if v == "pending"]
    assert labels[0].endswith("(28)")  # the filter counts follow each decision
    bench.handle_key(key("u"))
    assert bench.cursor == 1 and bench.views[1].border == CURSOR_BORDER
    assert bench.preview.caption.value == html_info(bench.views[1])
    labels = [k for k, v in bench.filter_bar.dropdowns["status"].options if v == "pending"]
    assert labels[0].endswith("(29)")


def test_f_jumps_to_the_next_flagged_pending_card(bench: ReviewWorkbench) -> None:
    flagged = [v.index for v in bench.visible_cards() if v.card.flags]
    assert flagged and flagged[0] > 0
    bench.handle_key(key("f"))
    assert bench.cursor == flagged[0]
    assert bench.preview.caption.value == html_info(bench.views[flagged[0]])


def test_detail_keys_decide_step_through_uploads_and_go_back(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    view = next(v for v in bench.visible_cards() if "unknown_certificate" in v.card.flags)
    bench.cursor = view.index
    bench.handle_key(key("d"))
    first = bench.detail.detail.card.pk
    bench.handle_key(key("ArrowRight"))  # the student's next upload
    other = bench.detail.detail.card.pk
    assert other != first and bench.detail.visible
    bench.handle_key(key("ArrowLeft"))
    assert bench.detail.detail.card.pk == first
    bench.handle_key(key("7"))
    bench.handle_key(key("7"))  # the same again: nothing written
    assert decisions(workspace) == [(first, "reject", "illegible", None, "amy")]
    assert "Rejected" in view.state
    bench.handle_key(key("Escape"))
    assert not bench.detail.visible and bench.cards_row.layout.display == "flex"


def test_preview_zoom_is_not_capped_by_the_page(bench: ReviewWorkbench) -> None:
    assert bench.preview.image.value  # the highlighted card, large
    assert "certreview-zoomable" in bench.preview.image._dom_classes
    assert "max-width: none" in bench.help.value
    bench.preview.zoom.value = "300%"
    assert bench.preview.image.layout.width == "300%"
    assert "certreview-zoomable" in bench.detail.image._dom_classes


def html_info(view: Any) -> str:
    from certreview.widgets import html

    return html.card_info(view.card)


def test_deciding_moves_on_to_the_next_pending_card(bench: ReviewWorkbench) -> None:
    bench.cursor = 3
    bench.handle_key(key("a"))  # card 3 decided out of order
    bench.cursor = 2
    bench.handle_key(key("a"))
    assert bench.cursor == 4  # card 3 is skipped: it is decided already


def test_a_jupyterhub_login_is_the_reviewer(workspace: Workspace, monkeypatch) -> None:
    # Several reviewers on one server: each logs in to JupyterHub, and decisions carry that name.
    department(workspace, 3)
    monkeypatch.setenv("JUPYTERHUB_USER", "lin.office")
    bench = ReviewWorkbench(ReviewService(workspace, None))
    assert bench.reviewer.value == "lin.office"
    bench.start_button.click()
    bench.handle_key(key("a"))
    assert [d[-1] for d in decisions(workspace)] == ["lin.office"]
