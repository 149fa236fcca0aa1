"""The header names each input file may use: ours, the registrar's Chinese ones, English variants."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

# Column → the other names accepted for it, per kind of file. Matching ignores case, width
# (full-width letters), spaces, `_`, `-` and `.`, so "Student ID", "student_id" and
# "ＳＴＵＤＥＮＴ＿ＩＤ" are one name. A name may mean different columns in different files
# (姓名 is the roster's `name` but the submissions' `student_name`), never two in one file.
# A bare "ID" is not taken: in Taiwan it is as likely the national ID (身分證字號).
HEADER_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "roster": {
        "student_id": ("學號", "學生學號", "student no", "student number"),
        "name": ("姓名", "學生姓名", "student name"),
        "admission_year": ("入學學年度", "入學年度", "入學年", "admission", "entry year"),
        "status": ("學籍狀態", "學籍狀況", "在學狀態", "狀態", "student status"),
        "program": ("學制", "部別", "學制別", "department program"),
        "class_name": ("班級", "班級名稱", "class"),
        "exit_year": ("離校學年度", "畢業學年度", "離校年度", "graduation year", "leaving year"),
        "email": ("電子郵件", "電子信箱", "信箱", "e-mail", "mail"),
    },
    "catalog": {
        "code": ("代碼", "證照代碼", "項目代碼"),
        "category": ("證照類別", "類別"),
        "name": ("證照名稱", "名稱", "項目名稱", "certificate name"),
        "level": ("級別", "等級"),
        "points": ("點數", "積分", "分數"),
        "group": ("群組", "組別"),
        "aliases": ("別名", "其他名稱", "alias"),
    },
    "submissions": {
        "submission_id": ("上傳編號", "申請編號", "序號"),
        "submitted_at": ("上傳時間", "申請時間", "提交時間", "時間戳記", "timestamp", "submitted"),
        "student_id": ("學號", "學生學號", "student no", "student number"),
        "student_name": ("姓名", "學生姓名", "name"),
        "category": ("證照類別", "類別"),
        "certificate_name": ("證照名稱", "證照", "certificate"),
        "exam_year": ("考試學年度", "考照學年度", "取得學年度", "exam year"),
        "image": ("圖檔", "證照圖檔", "檔案", "圖片", "file"),
        "exam_date": ("考試日期", "取得日期", "date"),
        "certificate_no": ("證照字號", "證書字號", "證號", "certificate number"),
        "issuer": ("發證單位", "發照單位", "核發單位"),
    },
}

_IGNORED = str.maketrans("", "", " \t\u3000\u00a0\ufeff\u200b\u200c\u200d_-.")


def header_key(cell: str) -> str:
    """Return the form of a header cell that matching compares (see HEADER_SYNONYMS)."""
    return unicodedata.normalize("NFKC", cell).casefold().translate(_IGNORED)


def header_lookup(columns: Iterable[str], kind: str | None = None) -> dict[str, str]:
    """Return header key → column for COLUMNS, with the synonyms of KIND's file.

    >>> header_lookup(["student_id"], "roster")["學號"]
    'student_id'
    """
    synonyms: Mapping[str, tuple[str, ...]] = HEADER_SYNONYMS.get(kind or "", {})
    lookup: dict[str, str] = {}
    for column in columns:
        for name in (*synonyms.get(column, ()), column):
            lookup[header_key(name)] = column
    return lookup


def synonyms_markdown(kind: str) -> str:
    """Return the README table of KIND's columns and the other names accepted for them."""
    lines = ["| column | also accepted |", "|---|---|"]
    for column, names in HEADER_SYNONYMS[kind].items():
        lines.append(f"| `{column}` | {', '.join(names)} |")
    return "\n".join(lines)
