"""The workbench's keys in the browser: a tiny front-end piece that sends them to the kernel.

A key belongs to the workbench when the focus is inside it (after any click on one of its
buttons, wherever the pointer is) or when the pointer rests over it (and nobody is typing in
a text box or a notebook cell). Such a key never reaches JupyterLab: no X cutting the cell, no
A inserting one. Typing in a text box stays typing; Tab and Ctrl/Alt/Cmd shortcuts pass.
When the focused button disappears (a page turns, the detail view opens) the workbench keeps
the focus, so the next key still arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import anywidget
import traitlets

ESM = """
const TYPING = "input:not([type=checkbox]):not([type=radio]):not([type=button]),"
  + "textarea,[contenteditable='true'],[contenteditable='']";
const NATIVE_ON_SELECT = ["ArrowUp", "ArrowDown", " ", "Enter", "Home", "End"];

function render({ model, el }) {
  el.style.display = "none";
  const root = () => {
    const r = el.closest(model.get("root"));
    return r && r.isConnected ? r : null;
  };
  const onKey = (e) => {
    const r = root();
    if (!r || e.isComposing) return;
    const t = e.target instanceof Element ? e.target : null;
    if (t && t.closest(TYPING)) return;  // typing in a box (the Search, a note, a cell)
    // A focused button that was hidden leaves the focus nowhere (on the page): still ours.
    const nowhere = t === document.body || t === document.documentElement;
    const inside = t !== null && (r.contains(t) || (nowhere && focusedLast));
    if (!inside && !r.matches(":hover")) return;  // not ours: JupyterLab's as usual
    if (e.ctrlKey || e.metaKey || e.altKey || e.key === "Tab") return;
    e.stopPropagation();  // JupyterLab never sees it
    if (t && t.tagName === "SELECT" && NATIVE_ON_SELECT.includes(e.key)) return;
    e.preventDefault();
    model.send({
      type: "keydown", key: e.key, code: e.code, repeat: e.repeat,
      shiftKey: e.shiftKey, ctrlKey: e.ctrlKey, altKey: e.altKey, metaKey: e.metaKey,
    });
  };
  let focusedLast = false;  // whether the last element focused was in the workbench
  const track = (e) => {
    const r = root();
    focusedLast = r !== null && e.target instanceof Node && r.contains(e.target);
  };
  // A hidden button loses the focus to the page: give it to the workbench instead.
  const keep = () => setTimeout(() => {
    const r = root();
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (r && lost) {
      if (!r.hasAttribute("tabindex")) r.setAttribute("tabindex", "-1");
      r.focus({ preventScroll: true });
    }
  }, 0);
  window.addEventListener("keydown", onKey, true);  // before JupyterLab's own listeners
  document.addEventListener("focusout", keep, true);
  document.addEventListener("focusin", track, true);
  return () => {
    document.removeEventListener("focusin", track, true);
    window.removeEventListener("keydown", onKey, true);
    document.removeEventListener("focusout", keep, true);
  };
}
export default { render };
"""


class KeyCatcher(anywidget.AnyWidget):  # type: ignore[misc]
    """Send the keys meant for the element matching ROOT (a CSS selector) to ON_KEY."""

    _esm = traitlets.Unicode(ESM).tag(sync=True)
    root = traitlets.Unicode(".certreview-workbench").tag(sync=True)

    def __init__(self, on_key: Callable[[Mapping[str, Any]], None], root: str) -> None:
        super().__init__(root=root, layout={"width": "0", "height": "0"})
        self.on_msg(lambda _widget, content, _buffers: on_key(content))
