"""The counter page: a late or e-mailed upload, entered in the student's own steps (seed 1-4)."""

from __future__ import annotations

from datetime import datetime

import ipywidgets as w

from certreview.i18n import _
from certreview.images.inspect import ImageReport
from certreview.images.limits import note_in_language
from certreview.ingest.counter import (
    UNLISTED,
    CatalogChoice,
    CounterEntry,
    CounterService,
    RoundChoice,
)
from certreview.ingest.report import IntakeResult
from certreview.rules.contract import FLAGS
from certreview.rules.eligibility import StudentFacts
from certreview.rules.flags import ordered
from certreview.rules.years import parse_datetime, parse_exam_year
from certreview.widgets import html
from certreview.widgets.guard import explain
from certreview.widgets.workbench import default_reviewer

GREEN, RED, GREY, AMBER = "#2e7d32", "#c62828", "#757575", "#e65100"
ACCEPT = "image/*,.heic,.heif,.pdf,.tif,.tiff,.webp,.avif"
SHOWN_ITEMS = 40  # catalog matches listed; typing more letters narrows them


class CounterIntake(w.VBox):
    """Enter one upload for a student at the counter; it is stored like an imported row."""

    def __init__(self, service: CounterService) -> None:
        self.service = service
        self.student: StudentFacts | None = None
        self.report: ImageReport | None = None
        self.file_name, self.data = "", b""
        # 1. the student ID, and the roster name to confirm
        self.student_id = w.Text(
            description=_("Student ID"), continuous_update=False, layout=w.Layout(width="300px")
        )
        self.find_button = w.Button(description=_("Find"), icon="search")
        self.student_line = w.HTML()
        self.confirm = w.Checkbox(value=False, description=_("This is the student"), indent=False)
        self.confirm.layout.display = "none"  # until a roster name is there to confirm
        # 2. the certificate: chosen from the catalog, or typed as unlisted
        self.search = w.Text(
            placeholder=_("Chinese or English name, code or alias"),
            description=_("Search"),
            layout=_wide(),
        )
        self.items = w.Select(rows=6, layout=_wide(), description=_("Certificate"))
        self.item_line = w.HTML()  # the chosen item in full: a long name is cut in the list
        self.item_line.add_class("cr-item-line")
        self.unlisted = w.Checkbox(value=False, description=_("Not in the catalog"), indent=False)
        self.category = w.Text(description=_("Category"), layout=w.Layout(width="300px"))
        self.certificate = w.Text(description=_("Certificate name"), layout=_wide())
        self.unlisted_box = w.VBox([self.category, self.certificate])
        self.unlisted_box.layout.display = "none"
        # 3. the exam year, with the enrollment rule
        self.exam_year = w.Text(
            placeholder=_("e.g. 112"), description=_("Exam year"), layout=w.Layout(width="220px")
        )
        self.rule_line = w.HTML()
        self.year_line = w.HTML()
        # 4. the file, checked before it is saved
        self.upload = w.FileUpload(accept=ACCEPT, multiple=False, description=_("Choose file"))
        self.file_line = w.HTML()
        self.preview = w.Image(format="jpeg", layout=w.Layout(width="160px", display="none"))
        # 5. when it arrived, which round, who enters it
        self.received = w.Text(
            value=f"{datetime.now():%Y-%m-%d %H:%M}",
            description=_("Received"),
            tooltip=_("When the student sent it (the e-mail's date): decides whether it is late"),
        )
        self.round = w.Dropdown(description=_("Round"))
        self.round_line = w.HTML()
        self.entered_by = w.Text(value=default_reviewer(), description=_("Entered by"))
        self.flags_line = w.HTML()
        self.flags_line.add_class("cr-flags")  # what the upload will carry, before it is saved
        self.save_button = w.Button(
            description=_("Save upload"), button_style="primary", icon="save", disabled=True
        )
        self.message = w.HTML()
        self._wire()
        # Two columns: the whole form fits a 1366×768 screen, the Save button included.
        student_and_certificate = w.VBox(
            [
                _step(_("1. Student ID — the roster name appears; confirm it with the student")),
                w.HBox([self.student_id, self.find_button]),
                self.student_line,
                self.confirm,
                _step(_("2. Certificate — search the catalog, or mark it as not in the catalog")),
                self.search,
                self.items,
                self.item_line,
                self.unlisted,
                self.unlisted_box,
                _step(_("3. Academic year of the exam")),
                w.HBox([self.exam_year, self.year_line]),
                self.rule_line,
            ],
            layout=w.Layout(width="50%", padding="0 16px 0 0"),
        )
        file_and_save = w.VBox(
            [
                _step(_("4. The certificate file (photo, HEIC, scan or PDF)")),
                self.upload,
                self.file_line,
                self.preview,
                _step(_("5. Save")),
                self.received,
                self.round,
                self.round_line,
                self.entered_by,
                self.flags_line,
                self.save_button,
                self.message,
            ],
            layout=w.Layout(width="50%"),
        )
        super().__init__([w.HBox([student_and_certificate, file_and_save])])
        self.add_class("certreview-counter")
        self.load_choices()

    def _wire(self) -> None:
        self.student_id.observe(lambda _c: self.find_student(), names="value")
        self.find_button.on_click(lambda _b: self.find_student())
        self.search.observe(lambda _c: self.search_catalog(), names="value")
        self.unlisted.observe(lambda _c: self._toggle_unlisted(), names="value")
        self.upload.observe(lambda _c: self.file_chosen(), names="value")
        self.round.observe(lambda _c: self._show_round(), names="value")
        self.save_button.on_click(lambda _b: self.save())
        for control in (
            self.confirm,
            self.items,
            self.category,
            self.certificate,
            self.exam_year,
            self.received,
            self.entered_by,
        ):
            control.observe(lambda _c: self.update(), names="value")

    def load_choices(self) -> None:
        """Read the rounds and the whole catalog again."""
        try:
            rounds = self.service.rounds()
            self.round.options = [(_round_label(r), r) for r in rounds]
            self.round.value = rounds[0] if rounds else None
            self.search_catalog()
        except Exception as exc:
            self.message.value = _say(explain(exc, _("Not loaded"), _("Reload the page.")), RED)

    def find_student(self) -> StudentFacts | None:
        """Look the typed ID up on the roster and show the name to confirm."""
        self.confirm.value = False
        typed = self.student_id.value.strip()
        self.student = self.service.student(typed) if typed else None
        if self.student is None:
            self.confirm.layout.display = "none"
            self.student_line.value = (
                _say(
                    _("{id} is not on the roster — check the ID with the student.").format(
                        id=typed
                    ),
                    RED,
                )
                if typed
                else ""
            )
        else:
            s = self.student
            self.confirm.layout.display = "flex"
            self.student_line.value = (
                f"<span style='font-size:18px'><b>{html.esc(s.name)}</b></span> "
                + html.esc(
                    _("{id}, {program} {class_name}, admitted AY{year}").format(
                        id=s.student_id,
                        program=s.program or "",
                        class_name=s.class_name or "",
                        year=s.admission_year,
                    )
                )
            )
        self._show_rule()
        self.update()
        return self.student

    def search_catalog(self) -> list[CatalogChoice]:
        """List the catalog items matching the search box (Chinese or English, code, alias)."""
        found = self.service.catalog(self.search.value)
        self.items.options = [(_item_label(c), c) for c in found[:SHOWN_ITEMS]]
        if len(found) == 1:
            self.items.value = found[0]
        return found

    def _toggle_unlisted(self) -> None:
        unlisted = self.unlisted.value
        self.unlisted_box.layout.display = "flex" if unlisted else "none"
        self.items.disabled = self.search.disabled = unlisted
        self.update()

    def _show_rule(self) -> None:
        if self.student is None:
            self.rule_line.value = ""
            return
        window = self.service.window(self.student)
        if window.rule is None:
            text = _("No course standard applies to this student: any year is recorded as typed.")
        elif window.rule.during_enrollment:
            text = _(
                "{standard}: only certificates earned during enrollment count — exam years "
                "AY{first} to AY{last}."
            ).format(standard=window.rule.name, first=window.first, last=window.last)
        else:
            text = _("{standard}: certificates from any year count.").format(
                standard=window.rule.name
            )
        self.rule_line.value = _say(text, GREY)

    def file_chosen(self) -> ImageReport | None:
        """Check the chosen file as intake will, and say what it is before anything is saved."""
        if not self.upload.value:
            return None
        chosen = self.upload.value[0]
        self.file_name, self.data = chosen["name"], bytes(chosen["content"])
        self.report = self.service.check(self.data)
        ok = self.report.flag is None
        self.file_line.value = _say(
            f"{self.file_name}: {note_in_language(self.report.message)}", GREEN if ok else RED
        )
        if self.report.thumbnail:
            self.preview.value = self.report.thumbnail
            self.preview.layout.display = "flex"
        else:
            self.preview.layout.display = "none"
        self.update()
        return self.report

    def _show_round(self) -> None:
        chosen: RoundChoice | None = self.round.value
        if chosen is None or chosen.cutoff is None:
            self.round_line.value = _say(_("This round has no cutoff: nothing is late."), GREY)
        else:
            self.round_line.value = _say(
                _("Cutoff {cutoff}: uploads received later are flagged late.").format(
                    cutoff=f"{chosen.cutoff:%Y-%m-%d %H:%M}"
                ),
                GREY,
            )
        self.update()

    def entry(self) -> CounterEntry | None:
        """Return what was entered, or None while a step is missing."""
        if self.student is None or not self.confirm.value or not self.data:
            return None
        if self.unlisted.value:
            category, name = self.category.value.strip(), self.certificate.value.strip()
        elif self.items.value is not None:
            category, name = self.items.value.category, self.items.value.name
        else:
            category, name = UNLISTED, UNLISTED
        received = parse_datetime(self.received.value)
        if not name or not self.exam_year.value.strip() or received is None:
            return None
        return CounterEntry(
            student_id=self.student.student_id,
            student_name=self.student.name,
            category=category,
            certificate_name=name,
            exam_year=self.exam_year.value.strip(),
            file_name=self.file_name,
            data=self.data,
            received_at=received,
        )

    def update(self) -> None:
        """Show the year read, the flags the upload will carry, and whether it can be saved."""
        typed = self.exam_year.value.strip()
        year = parse_exam_year(typed) if typed else None
        if year is None:
            self.year_line.value = ""
        elif year.year is not None:
            self.year_line.value = _say(_("= AY{year}").format(year=year.year), GREY)
        else:
            self.year_line.value = _say(
                _("not an academic year — write it like 112 or 112學年度"), RED
            )
        chosen = None if self.unlisted.value else self.items.value
        self.item_line.value = (
            ""
            if chosen is None
            else f"<div style='white-space:normal'>{_say(_item_label(chosen), GREY)}</div>"
        )
        entry = self.entry()
        self.save_button.disabled = entry is None or not self.entered_by.value.strip()
        if entry is None or self.round.value is None:
            self.flags_line.value = ""
            return
        flags = set(self.service.preview(entry, self.round.value.name).flags)
        if self.report is not None and self.report.flag:
            flags.add(self.report.flag)
        self.flags_line.value = _flags_html(ordered(flags))

    def save(self) -> IntakeResult | None:
        """Store the upload in the chosen round, through the same intake as an import."""
        entry = self.entry()
        who = self.entered_by.value.strip()
        if entry is None or not who or self.round.value is None:
            self.message.value = _say(_("Complete steps 1 to 4 first."), RED)
            return None
        try:
            result = self.service.save(entry, self.round.value.name, who)
        except Exception as exc:
            self.message.value = _say(explain(exc, _("Not saved"), _("Press Save again.")), RED)
            return None
        row = result.rows[0]
        flags = [f for f in row.flags.split(";") if f]
        text = _("Saved as {id} in round {round}; it waits in the review.").format(
            id=row.submission_id, round=result.round_name
        )
        self.message.value = _say(text, GREEN) + ("<br>" + _flags_html(flags) if flags else "")
        self.clear()
        return result

    def clear(self) -> None:
        """Empty the form for the next student (the round and who enters stay)."""
        self.student_id.value = ""
        self.search.value = ""
        self.items.value = None
        self.unlisted.value = False
        self.category.value = self.certificate.value = self.exam_year.value = ""
        self.upload.value = ()
        self.file_name, self.data, self.report = "", b"", None
        self.file_line.value = ""
        self.preview.layout.display = "none"
        self.received.value = f"{datetime.now():%Y-%m-%d %H:%M}"
        self.update()


def _wide() -> w.Layout:
    return w.Layout(width="96%")


def _step(text: str) -> w.HTML:
    return w.HTML(f"<h4 style='margin:10px 0 2px'>{html.esc(text)}</h4>")


def _say(text: str, colour: str) -> str:
    return f"<span style='color:{colour}'>{html.esc(text)}</span>"


def _item_label(c: CatalogChoice) -> str:
    # "TQC Excel 進階級 進階級", "JLPT N1 N1": most names already say their level.
    level = f" {c.level}" if c.level and c.level not in c.name else ""
    aliases = f" · {' | '.join(c.aliases)}" if c.aliases else ""
    return f"{c.category} / {c.name}{level} ({c.code}, {c.points:g}){aliases}"


def _round_label(r: RoundChoice) -> str:
    return r.name if r.cutoff is None else f"{r.name} ({r.cutoff:%Y-%m-%d})"


def _flags_html(flags: list[str]) -> str:
    if not flags:
        return _say(_("No flags: the upload is clean."), GREEN)
    return (
        "<br>".join(f"{html.badge(f)} {html.esc(_(FLAGS.get(f, f)))}" for f in flags)
        + "<br>"
        + _say(_("Flagged uploads are saved too; the reviewer sees why."), AMBER)
    )
