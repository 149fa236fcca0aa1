"""The demo's students as the registrar exports them: cohorts, programs, statuses, varied names."""

from __future__ import annotations

import random
from dataclasses import dataclass

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余盧梁趙顏柯翁魏孫戴"
GIVEN = "家豪志明俊傑建宏冠宇承恩柏翰宥廷彥廷子晴雅婷怡君欣怡佳穎詩涵心怡品妤語彤宜蓁郁婷峯堃喆啟台瑋哲凱翔"
INDIGENOUS = ["瓦旦·達道", "Tanivu·Tapari", "拉娃·谷幸", "Ukah·Pusing", "馬耀·基朗"]
DEMO_EMAIL_DOMAIN = "@example.edu"  # reserved for examples (RFC 2606): no real student has it


@dataclass
class DemoStudent:
    """One student of the demo roster, as one row of the registrar's export."""

    student_id: str
    name: str
    program: str
    class_name: str
    admission_year: int
    status: str
    exit_year: int | None
    email: str


def make_students(rng: random.Random, count: int) -> list[DemoStudent]:
    """Return COUNT roster students over cohorts AY107-115, two programs, some graduated."""
    students: list[DemoStudent] = []
    cohorts = list(range(108, 116))
    for i in range(count):
        admission = 107 if i < 4 else cohorts[i % len(cohorts)]
        program = "Evening" if rng.random() < 0.25 else "Day"
        serial = 1000 + i
        prefix = "N" if program == "Evening" else "B"
        student_id = f"{prefix}{admission:03d}{serial:05d}"[:10]
        if i % 53 == 7:
            student_id = f"0{admission:03d}{serial:05d}"  # an old-style ID with a leading zero
        name = (
            rng.choice(INDIGENOUS)
            if i % 97 == 5
            else (rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2)))
        )
        graduate_year = admission + (4 if program == "Day" else 5) - 1
        if graduate_year <= 114:
            status, exit_year = "graduated", graduate_year
        else:
            status, exit_year = "enrolled", None
        if rng.random() < 0.04:
            status, exit_year = "withdrawn", min(admission + rng.randrange(0, 3), 115)
        elif admission == 107 or (status == "enrolled" and rng.random() < 0.02):
            status, exit_year = "suspended", None
        grade = min(115 - admission + 1, 5)
        section = "甲乙"[i % 2]
        class_name = ("進資" if program == "Evening" else "資") + "一二三四五"[grade - 1] + section
        students.append(
            DemoStudent(
                student_id,
                name,
                program,
                class_name,
                admission,
                status,
                exit_year,
                f"{student_id.lower()}{DEMO_EMAIL_DOMAIN}",
            )
        )
    return students
