"""The grid of cards as one widget: what reaches the browser, and what comes back from it."""

from __future__ import annotations

from typing import Any

import pytest
from builders import add_submission, department
from sqlalchemy import select

from certreview.review.service import ReviewService
from certreview.store.models import Decision
from certreview.widgets import ReviewWorkbench
from certreview.workspace import Workspace

XSS = "<img src=x onerror=alert(1)>"


class Recorder:
    """Stand in for the kernel's comm: keep what a widget sends to the browser."""

    kernel = "recorded"
    comm_id = "recorded-grid"

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, data: dict[str, Any], buffers: Any = None) -> None:
        self.sent.append(data)

    def on_msg(self, callback: Any) -> None:
        pass  # messages from the browser are delivered by from_browser


@pytest.fixture
def bench(workspace: Workspace) -> ReviewWorkbench:
    department(workspace, 30)
    return ReviewWorkbench(ReviewService(workspace, "amy"))


def from_browser(bench: ReviewWorkbench, **event: Any) -> None:
    """Deliver EVENT as the grid's front end sends it (a custom message on its comm)."""
    message = {"content": {"data": {"method": "custom", "content": event}}, "buffers": []}
    bench.grid._handle_msg(message)


def decisions(ws: Workspace) -> list[tuple[int, str, str | None]]:
    with ws.Session.begin() as s:
        rows = s.scalars(select(Decision).order_by(Decision.id))
        return [(d.submission_pk, d.verdict, d.reason) for d in rows]


def updates(grid: Any) -> list[dict[str, Any]]:
    """Return the state updates GRID sent (and forget what it sent)."""
    sent = [m["state"] for m in grid.comm.sent if m.get("method") == "update"]
    grid.comm.sent.clear()
    return sent


def pictures(grid: Any) -> dict[str, str]:
    """Return the thumbnails GRID sent in their own messages (by key)."""
    found = {}
    for m in grid.comm.sent:
        if m.get("method") == "custom" and m["content"]["type"] == "images":
            found.update(m["content"]["images"])
    return found


def test_a_page_turn_and_a_decision_are_one_message_each(workspace: Workspace) -> None:
    department(workspace, 30)  # eight pictures, each uploaded by several students
    bench = ReviewWorkbench(ReviewService(workspace))
    grid = bench.grid
    grid.comm = Recorder()
    bench.reviewer.value = "amy"
    bench.start_button.click()
    images = pictures(grid)
    (sent,) = updates(grid)
    assert {"cards", "thumbs", "focus"} <= set(sent)
    assert [c["info"] for c in sent["cards"] if c] == [v.info for v in bench.visible_cards()]
    assert sent["thumbs"] == [v.thumbnail_key for v in bench.visible_cards()]
    # Each picture once, however many cards show it.
    assert len(images) == 8 and set(images) == set(sent["thumbs"])
    assert all(u.startswith("data:image/") for u in images.values())
    bench.next_button.click()  # the same pictures: none is sent again
    assert pictures(grid) == {} and len(updates(grid)) == 1

    key = {"type": "keydown", "key": "a", "code": "KeyA", "repeat": False}
    bench.handle_key(key)  # a direct call: each card change is sent
    assert len(updates(grid)) > 2
    bench.serial(bench.handle_key)(key)  # as the keys arrive: held, one message
    (sent,) = updates(grid)
    assert "thumbs" not in sent and "cards" in sent


def test_a_view_drawn_anew_gets_the_pictures_it_asks_for(bench: ReviewWorkbench) -> None:
    grid = bench.grid
    grid.comm = Recorder()
    key = bench.views[1].thumbnail_key
    from_browser(bench, type="need", keys=[key, "no-such-key", 7])
    assert pictures(grid) == {key: bench.views[1].thumbnail}
    from_browser(bench, type="need", keys="not a list")
    assert len(grid.comm.sent) == 1


def test_clicks_reasons_and_ticks_come_back_from_the_browser(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    views = bench.visible_cards()
    from_browser(bench, type="reason", index=2, value="illegible")
    assert views[2].reason == "illegible" and bench.grid.cards[2]["reason"] == "illegible"
    from_browser(bench, type="click", index=2, button="reject", reason="illegible")
    # The reason travels with the click too: a pick and a click in one breath both count.
    from_browser(bench, type="click", index=3, button="return", reason="incomplete")
    from_browser(bench, type="click", index=0, button="approve", reason="")
    assert decisions(workspace) == [
        (views[2].card.pk, "reject", "illegible"),
        (views[3].card.pk, "return", "incomplete"),
        (views[0].card.pk, "approve", None),
    ]
    assert "Rejected" in bench.grid.cards[2]["state"]
    from_browser(bench, type="select", index=5, value=True)
    assert views[5].selected and bench.approve_selected.description == "Approve selected (1)"
    from_browser(bench, type="click", index=4, button="details", reason="")
    assert bench.detail.visible and bench.detail.detail.card.pk == views[4].card.pk


@pytest.mark.parametrize(
    "event",
    [
        {"type": "click", "index": 99, "button": "approve"},  # no such card
        {"type": "click", "index": -1, "button": "approve"},
        {"type": "click", "index": "0", "button": "approve"},
        {"type": "click", "index": 0, "button": "delete"},  # no such button
        {"type": "click", "index": 0, "button": "reject", "reason": "<b>x</b>"},  # no such reason
        {"type": "reason", "index": 0, "value": "drop table"},
        {"type": "nothing", "index": 0},
        {},
    ],
)
def test_a_strange_message_from_the_browser_does_nothing(
    bench: ReviewWorkbench, workspace: Workspace, event: dict[str, Any]
) -> None:
    from_browser(bench, **event)
    assert decisions(workspace) == []
    assert all(v.reason == "" for v in bench.visible_cards())


def test_student_text_reaches_the_browser_escaped(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    add_submission(workspace, submission_id="X1", student_id_text=XSS, student_name_text=XSS)
    bench.filter_bar.search.value = "X1"
    (card,) = [c for c in bench.grid.cards if c]
    assert "<img" not in card["info"] and "&lt;img src=x onerror=alert(1)&gt;" in card["info"]


def test_going_back_shows_the_page_left_without_reading_it_again(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    reads: list[int] = []
    page = bench.service.page

    def counted(*args: Any) -> Any:
        reads.append(args[1])
        return page(*args)

    bench.service.page = counted  # type: ignore[method-assign]
    first = [v.card.pk for v in bench.visible_cards()]
    bench.handle_key({"type": "keydown", "key": "a", "code": "KeyA", "repeat": False})
    bench.next_button.click()
    bench.previous_button.click()
    assert reads == [1] and [v.card.pk for v in bench.visible_cards()] == first
    assert bench.views[0].card.state == "approved"  # as the page was left
    bench.next_button.click()
    bench.handle_key({"type": "keydown", "key": "u", "code": "KeyU", "repeat": False})
    bench.previous_button.click()  # the undone card is on the page kept: it is read again
    assert reads == [1, 0] and bench.views[0].card.state == "pending"


def test_the_no_image_picture_is_keyed_by_what_it_shows(workspace: Workspace) -> None:
    from certreview import i18n

    department(workspace, 3)
    add_submission(workspace, submission_id="N1")  # no image: the no-image picture
    keys = []
    for language in ("en", "zh_TW"):
        i18n.set_language(language)
        try:
            bench = ReviewWorkbench(ReviewService(workspace, "amy"))
            bench.filter_bar.search.value = "N1"
            (view,) = bench.visible_cards()
            keys.append(view.thumbnail_key)
            assert bench.grid._images[view.thumbnail_key] == view.thumbnail
        finally:
            i18n.set_language(None)
    # Its words differ by language: a browser that has one must not show it for the other.
    assert keys[0] != keys[1]
