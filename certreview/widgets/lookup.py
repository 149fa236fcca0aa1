"""The status lookup page: a student phones, the office types an ID or a name and reads out."""

from __future__ import annotations

import ipywidgets as w

from certreview.i18n import _
from certreview.reports.lookup import Hit, LookupService, StudentRecord, UploadRecord
from certreview.rules.contract import FLAGS, REASONS
from certreview.rules.eligibility import WHY_NOT
from certreview.widgets import html
from certreview.widgets.common import data_url, placeholder
from certreview.widgets.guard import explain

GREEN, RED, GREY = "#2e7d32", "#c62828", "#757575"


class StatusLookup(w.VBox):
    """Type a student ID (any width, any case) or part of a name; read the whole record."""

    def __init__(self, service: LookupService) -> None:
        self.service = service
        self.query = w.Text(
            placeholder=_("student ID or part of a name, then Enter"),
            description=_("Student"),
            continuous_update=False,
            layout=w.Layout(width="420px"),
        )
        self.search_button = w.Button(
            description=_("Look up"), button_style="primary", icon="search"
        )
        self.hits = w.Select(rows=6, layout=w.Layout(width="420px", display="none"))
        self.message = w.HTML()
        self.record_box = w.VBox()
        self.query.observe(lambda _change: self.search(), names="value")
        self.search_button.on_click(lambda _button: self.search())
        self.hits.observe(self._picked, names="value")
        super().__init__(
            [
                w.HBox([self.query, self.search_button]),
                self.hits,
                self.message,
                self.record_box,
            ]
        )
        self.add_class("certreview-lookup")

    def search(self) -> list[Hit]:
        """Find the students matching the box; show the record when exactly one matches."""
        self._found: list[Hit] = []
        self.hits.layout.display = "none"
        self.record_box.children = ()
        typed = self.query.value.strip()
        if not typed:
            self.message.value = ""
            return []
        try:
            self._found = self.service.find(typed)
        except Exception as exc:
            self.message.value = _say(
                explain(exc, _("Not looked up"), _("Press Enter again.")), RED
            )
            return []
        if not self._found:
            self.message.value = _say(
                _(
                    "No student and no upload matches “{text}”. Check the ID with the student."
                ).format(text=typed),
                RED,
            )
        elif len(self._found) == 1:
            self.message.value = ""
            self.show(self._found[0].student_id)
        else:
            self.message.value = _say(
                _("{n} students match: pick one.").format(n=len(self._found)), GREY
            )
            self.hits.options = [(_hit_label(h), h.student_id) for h in self._found]
            self.hits.value = None
            self.hits.layout.display = "flex"
        return self._found

    def _picked(self, change: dict) -> None:
        if change["new"]:
            self.show(change["new"])

    def show(self, student_id: str) -> StudentRecord | None:
        """Show the whole record of one student."""
        try:
            record = self.service.record(student_id)
        except Exception as exc:
            self.message.value = _say(
                explain(exc, _("Not shown"), _("Pick the student again.")), RED
            )
            return None
        if record is None:
            self.record_box.children = ()
            self.message.value = _say(_("Nothing is known under {id}.").format(id=student_id), RED)
            return None
        self.record_box.children = (
            w.HTML(record_html(record)),
            *(self._upload_box(u) for u in record.uploads),
        )
        return record

    def _upload_box(self, upload: UploadRecord) -> w.HBox:
        picture = w.Image(
            value=data_url(self.service.thumbnail(upload.image_sha256) or placeholder()),
            format="url",
            layout=w.Layout(width="200px"),
        )
        box = w.HBox(
            [picture, w.HTML(upload_html(upload), layout=w.Layout(flex="1"))],
            layout=w.Layout(border="1px solid #ddd", padding="6px", margin="4px 0"),
        )
        box.add_class("certreview-upload")
        return box


def _hit_label(hit: Hit) -> str:
    if hit.on_roster:
        return f"{hit.student_id} {hit.name}"
    return _("{id} (not on the roster; uploads only)").format(id=hit.student_id)


def _say(text: str, colour: str) -> str:
    return f"<span style='color:{colour}'>{html.esc(text)}</span>"


def _bold(text: str, colour: str = "inherit") -> str:
    return f"<b style='color:{colour}'>{html.esc(text)}</b>"


def record_html(record: StudentRecord) -> str:
    """Return the student part of a record: roster facts, standard and what is still missing."""
    esc = html.esc
    if record.student is None:
        return (
            f"<h3>{esc(record.student_id)}</h3><p style='color:{RED}'>"
            + esc(
                _("Not on the roster: these uploads were typed with this ID; none of them counts.")
            )
            + "</p>"
        )
    s = record.student
    facts = [
        (_("Program"), s.program or "-"),
        (_("Class"), s.class_name or "-"),
        (_("Admitted"), _("AY{year}").format(year=s.admission_year)),
        (_("Roster status"), _(s.status)),
    ]
    if s.exit_year:
        facts.append((_("Left"), _("AY{year}").format(year=s.exit_year)))
    if record.email:
        facts.append((_("E-mail"), record.email))
    rule, standing = record.rule, record.standing
    if rule is None:
        standard = _("No course standard matches this admission year and program.")
    else:
        needs = (
            _("{name}: {count} certificates and {points} points, earned during enrollment")
            if rule.during_enrollment
            else _("{name}: {count} certificates and {points} points")
        )
        standard = needs.format(name=rule.name, count=rule.min_count, points=f"{rule.min_points:g}")
    facts.append((_("Standard"), standard))
    parts = [f"<h3>{esc(s.student_id)} {esc(s.name)}</h3>", html.table(facts)]
    if standing is not None:
        now = _("{n} certificates count, {points} points, {pending} not decided yet").format(
            n=standing.approved, points=f"{standing.points:g}", pending=standing.pending
        )
        if standing.met:
            verdict = _bold(_("Requirement met."), GREEN)
        else:
            verdict = _bold(_("Still needed:"), RED) + " " + esc(standing.missing)
        parts.append(f"<p>{esc(now)}<br>{verdict}</p>")
    if record.uploads:
        parts.append("<p>" + _bold(_("Uploads: {n}").format(n=len(record.uploads))) + "</p>")
    else:
        parts.append("<p>" + esc(_("No uploads yet.")) + "</p>")
    return "".join(parts)


def upload_html(u: UploadRecord) -> str:
    """Return one upload: what was typed and matched, its decision, flags and history."""
    esc = html.esc
    title = f"<b>{esc(u.certificate_typed)}</b> ({esc(u.category_typed)})"
    if not u.live:
        title += " " + _say(_("replaced by a newer version"), GREY)
    year = (
        _("exam year {typed} = AY{year}").format(typed=u.exam_year_text, year=u.exam_year)
        if u.exam_year is not None
        else _("exam year {typed}: no academic year could be read").format(typed=u.exam_year_text)
    )
    item = (
        _("catalog item {code} {name}").format(code=u.item_code, name=u.item_name or "")
        if u.item_code
        else _("matches no catalog item")
    )
    where = _("round {round}, uploaded {when}, submission {id}").format(
        round=u.round_name, when=u.submitted_at_text, id=u.submission_id
    )
    lines = [
        title,
        f"<span style='font-size:11px;color:{GREY}'>{esc(where)}</span>",
        f"{esc(item)} · {esc(year)}",
        html.state_line(u.decision),
    ]
    if u.decision is not None and u.decision.reason:
        lines.append(esc(_(REASONS.get(u.decision.reason, u.decision.reason))))
    if u.counted:
        lines.append(_say(_("Counts towards graduation."), GREEN))
    elif u.why_not is not None and u.why_not not in {"pending", "rejected", "returned"}:
        why = _(WHY_NOT.get(u.why_not, u.why_not))
        lines.append(_say(_("Does not count: {why}").format(why=why), RED))
    for flag in u.flags:
        lines.append(f"{html.badge(flag)} {esc(_(FLAGS.get(flag, flag)))}")
    if u.image_note:
        lines.append(esc(_("File: {note}").format(note=u.image_note)))
    for note in u.notes:
        lines.append(f"<span style='color:{GREY}'>{esc(note)}</span>")
    lines.append(html.history(u.history))
    return "<div style='line-height:1.5'>" + "<br>".join(lines) + "</div>"
