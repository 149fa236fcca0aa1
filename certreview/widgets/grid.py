"""The grid of cards drawn in the browser as one widget: a page is one message and one redraw.

Each card used to be a dozen ipywidgets: a page turn sent ~50 messages, each a redraw. Here
the page's cards are one list of plain values (`cards`, small: sent again after a decision)
and one list of thumbnail keys (`thumbs`). A thumbnail itself (~20 KB) reaches the browser
once, in a message of its own just before the cards that show it; the browser keeps the
last BROWSER_KEEPS and asks for any it lacks (a view drawn anew). It keeps a card's elements
and changes only what differs from what it shows. Every string that holds text a student
typed arrives escaped by `html.esc` (cards.py); labels are set as text, never markup.
Clicks, the reason picked and the select box come back as messages (`receive`).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import anywidget
import traitlets

from certreview.widgets.cards import CardView, card_labels

KEPT = 200  # thumbnails kept here and counted as in the browser, ~20 KB each
BROWSER_KEEPS = 2 * KEPT  # the browser keeps more: it never lacks one counted as there


ESM = """
const BROWSER_KEEPS = __BROWSER_KEEPS__;
const ROW = "display:flex;flex-flow:row nowrap;align-items:center;min-width:0";
const BUTTON = "width:auto;flex:0 0 auto;margin:2px";  // as ipywidgets' buttons
const GRID = "display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));"
  + "gap:4px;width:100%";

function render({ model, el }) {
  const slots = [];
  const images = new Map();  // thumbnails by key, the most recently used last
  let asked = new Set();  // keys asked for and not arrived yet
  let labels = null;
  let focusSeen = (model.get("focus") || [0, 0])[1];  // a view drawn again steals no focus

  const node = (tag, css, className) => {
    const e = document.createElement(tag);
    if (css) e.style.cssText = css;
    if (className) e.className = className;
    return e;
  };
  const button = (label, style, onClick) => {
    const b = node("button", BUTTON, "jupyter-button widget-button" + (style ? " mod-" + style : ""));
    b.type = "button";
    b.textContent = label ? label[0] : "";
    b.title = label ? label[1] : "";
    b.addEventListener("click", onClick);
    return b;
  };
  const grid = node("div", GRID);
  el.append(grid);
  const row = (...children) => {
    const r = node("div", ROW);
    r.append(...children);
    return r;
  };

  function make(i) {
    const L = labels.buttons;
    const s = { shown: {} };
    const click = (name) => () =>
      model.send({ type: "click", index: i, button: name, reason: s.reason.value });
    s.box = node("div", "display:none;flex-direction:column;padding:4px;margin:2px;"
      + "box-sizing:border-box;min-width:0", "certreview-card");
    s.img = node("img", "width:100%;height:150px;object-fit:contain;display:block", "cr-thumb");
    s.img.alt = "";
    s.img.decoding = "async";  // the texts need not wait for 24 pictures
    s.info = node("div", "margin:2px");
    s.state = node("div", "margin:2px", "cr-state");
    s.message = node("div", "margin:0 2px");
    s.approve = button(L.approve, "success", click("approve"));
    const back = button(L["return"], "warning", click("return"));
    const details = button(L.details, "", click("details"));
    s.reason = node("select", "width:auto;flex:1 1 auto;min-width:0;height:28px;margin:2px");
    s.reason.title = labels.reason_tooltip;
    for (const [text, code] of labels.reasons) {
      const o = node("option");
      o.value = code;
      o.textContent = text;
      s.reason.append(o);
    }
    s.reason.addEventListener("change", () =>
      model.send({ type: "reason", index: i, value: s.reason.value }));
    const reject = button(L.reject, "danger", click("reject"));
    s.check = node("input");
    s.check.type = "checkbox";
    s.check.addEventListener("change", () =>
      model.send({ type: "select", index: i, value: s.check.checked }));
    const tick = node("label", "display:flex;align-items:center;gap:4px;margin:2px;font-size:13px");
    tick.append(s.check, document.createTextNode(labels.select));
    const keep = button(L.keep, "", click("keep"));
    s.override = button(null, "danger", click("override"));
    s.override.title = labels.override_tooltip;
    s.conflict = row(keep, s.override);
    s.conflict.style.display = "none";
    s.box.append(s.img, s.info, s.state, row(s.approve, back, details), row(s.reason, reject),
      row(tick), s.message, s.conflict);
    grid.append(s.box);
    return s;
  }

  // Change an element only when its value differs from what it shows.
  const put = (s, key, value, apply) => {
    if (s.shown[key] !== value) {
      s.shown[key] = value;
      apply(value);
    }
  };

  const image = (key) => {
    const url = images.get(key);
    if (url === undefined) return undefined;
    images.delete(key);  // used: the most recent again
    images.set(key, url);
    return url;
  };

  function draw() {
    if (model.get("labels") !== labels) {  // a new language: new cards
      labels = model.get("labels");
      for (const s of slots) s.box.remove();
      slots.length = 0;
    }
    const cards = model.get("cards");
    const thumbs = model.get("thumbs");
    const missing = [];
    while (slots.length < cards.length) slots.push(make(slots.length));
    slots.forEach((s, i) => {
      const c = cards[i];
      put(s, "display", c ? "flex" : "none", (v) => { s.box.style.display = v; });
      if (!c) return;
      const url = thumbs[i] ? image(thumbs[i]) : "";
      if (url === undefined && !asked.has(thumbs[i])) missing.push(thumbs[i]);
      put(s, "thumb", url || "", (v) => { s.img.src = v; });
      put(s, "info", c.info, (v) => { s.info.innerHTML = v; });  // escaped in Python
      put(s, "state", c.state, (v) => { s.state.innerHTML = v; });
      put(s, "message", c.message, (v) => { s.message.innerHTML = v; });
      put(s, "reason", c.reason, (v) => { s.reason.value = v; });
      put(s, "selected", c.selected, (v) => { s.check.checked = v; });
      put(s, "border", c.border, (v) => { s.box.style.border = v; });
      put(s, "override", c.override, (v) => {
        s.override.textContent = v;
        s.conflict.style.display = v ? "flex" : "none";
      });
    });
    if (missing.length) {
      missing.forEach((k) => asked.add(k));
      model.send({ type: "need", keys: missing });
    }
    // The highlighted card takes the focus: it scrolls into view, and keys stay ours.
    const [index, seq] = model.get("focus") || [0, 0];
    if (seq !== focusSeen) {
      focusSeen = seq;
      if (slots[index] && cards[index]) slots[index].approve.focus();
    }
  }

  const receive = (msg) => {
    if (!msg || msg.type !== "images") return;
    for (const [key, url] of Object.entries(msg.images)) {
      images.delete(key);
      images.set(key, url);
      asked.delete(key);
    }
    while (images.size > BROWSER_KEEPS) images.delete(images.keys().next().value);
    draw();
  };

  draw();
  model.on("change", draw);
  model.on("msg:custom", receive);
  return () => {
    model.off("change", draw);
    model.off("msg:custom", receive);
    grid.remove();
  };
}
export default { render };
""".replace("__BROWSER_KEEPS__", str(BROWSER_KEEPS))


class CardGrid(anywidget.AnyWidget):  # type: ignore[misc]
    """Draw the cards of a page, made by MAKE (given their place); SERIAL wraps their handlers."""

    _esm = traitlets.Unicode(ESM).tag(sync=True)
    labels = traitlets.Dict().tag(sync=True)
    cards = traitlets.List().tag(sync=True)  # CardView.data() of each card, None when hidden
    thumbs = traitlets.List(traitlets.Unicode()).tag(sync=True)  # keys of `images` sent
    focus = traitlets.List([0, 0]).tag(sync=True)  # [card, n]: a new n focuses that card

    def __init__(
        self,
        make: Callable[[int], CardView],
        serial: Callable[[Callable[..., Any]], Callable[..., Any]],
    ) -> None:
        super().__init__(labels=card_labels())
        self.views: list[CardView] = []  # made once, reused for every page
        self._make = make
        self._cards: list[dict[str, Any] | None] = []
        self._thumbs: list[str] = []
        self._focus = [0, 0]
        # Thumbnails by key, and the keys the browser has (it keeps more: BROWSER_KEEPS).
        self._images: OrderedDict[str, str] = OrderedDict()
        self._sent: OrderedDict[str, None] = OrderedDict()
        self._batching = False
        self.add_class("certreview-grid")
        receive = serial(self.receive)
        self.on_msg(lambda _widget, content, _buffers: receive(content))

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Send what changes inside (cards, thumbnails, focus) as one message at the end."""
        if self._batching:
            yield
            return
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
            self.flush()

    def put(self, view: CardView) -> None:
        """Show VIEW's card as it is now (nothing is sent when nothing changed)."""
        if view.card is None and view.index >= len(self._cards):
            return  # beyond the cards drawn: hidden already
        missing = view.index + 1 - len(self._cards)
        self._cards += [None] * missing
        self._thumbs += [""] * missing
        self._cards[view.index] = view.data()
        if view.card is not None:
            self._thumbs[view.index] = view.thumbnail_key
            self._images[view.thumbnail_key] = view.thumbnail
            self._images.move_to_end(view.thumbnail_key)
            while len(self._images) > KEPT:
                self._images.popitem(last=False)
        self._sync_cards()

    def ensure(self, count: int) -> None:
        """Draw COUNT cards, the first ones; only a bigger page size makes new ones."""
        while len(self.views) < count:
            self.views.append(self._make(len(self.views)))
        for view in self.views[count:]:
            view.show(None)
        del self._cards[count:], self._thumbs[count:]
        self._sync_cards()

    def receive(self, event: Mapping[str, Any]) -> None:
        """Pass a message from a card in the browser (a click, a reason, a tick) to its view."""
        if event.get("type") == "need":  # a view drawn anew has no thumbnails yet
            keys = event.get("keys")
            self._send_images(
                [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []
            )
            return
        index = event.get("index")
        if isinstance(index, int) and 0 <= index < len(self._cards):
            self.views[index].receive(event)

    def focus_card(self, index: int) -> None:
        """Give the focus to card INDEX (which scrolls it into view)."""
        self._focus = [index, self._focus[1] + 1]
        self._sync_cards()

    def flush(self) -> None:
        """Send the cards as they are now, in one message, even in the middle of a batch."""
        # The pictures the browser lacks go first, on their own: a page it has seen (going
        # back, or read ahead) then costs a few kilobytes instead of ~450.
        self._send_images([k for k in self._thumbs if k and k not in self._sent])
        with self.hold_sync():  # unchanged values are not sent (traitlets compares them)
            self.cards, self.thumbs = list(self._cards), list(self._thumbs)
            self.focus = list(self._focus)

    def _send_images(self, keys: list[str]) -> None:
        images = {k: self._images[k] for k in dict.fromkeys(keys) if k in self._images}
        if images:
            self.send({"type": "images", "images": images})
        for key in images:
            self._sent[key] = None
        for key in keys:
            if key in self._sent:
                self._sent.move_to_end(key)
        while len(self._sent) > KEPT:
            self._sent.popitem(last=False)

    def _sync_cards(self) -> None:
        if not self._batching:  # else at the end of the batch
            self.flush()
