"""Releases side by side: which release answers for a date, and a code's history."""

from dataclasses import replace
from datetime import date

import pytest

from coderef.catalog.records import CodeRecord, Release
from coderef.catalog.releases import history_of, in_force, nearest, revised_fields, standing
from coderef.codesets.release_naming import fiscal_year, icd_effective_date

FY2025 = Release("cm-2024-10", "icd10cm", "FY2025", "", "2024-10-01", "2025-09-30")
FY2026 = Release("cm-2025-10", "icd10cm", "FY2026", "", "2025-10-01", "2026-09-30")
APRIL_2026 = Release("cm-2026-04", "icd10cm", "April 2026", "", "2026-04-01", "2026-09-30")
HCPCS_JAN = Release("hcpcs-2026-01", "hcpcs", "January", "", "2026-01-01", None)


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2024, 10, 1), FY2025),
        (date(2025, 9, 30), FY2025),
        (date(2025, 10, 1), FY2026),
        (date(2026, 3, 31), FY2026),
        (date(2026, 4, 1), APRIL_2026),  # the April update amends the October release
        (date(2026, 9, 30), APRIL_2026),
        (date(2026, 10, 1), None),  # every loaded release has ended
        (date(2024, 9, 30), None),  # before the first loaded release
    ],
)
def test_the_release_in_force_on_a_date(day, expected):
    assert in_force([APRIL_2026, FY2025, FY2026], day) == expected


def test_a_release_without_an_end_date_answers_until_a_later_one():
    april = replace(HCPCS_JAN, id="hcpcs-2026-04", effective_from="2026-04-01")
    assert in_force([HCPCS_JAN, april], date(2026, 3, 1)) == HCPCS_JAN
    assert in_force([HCPCS_JAN, april], date(2030, 1, 1)) == april


def _code(title: str, billable: bool = True) -> CodeRecord:
    return CodeRecord("icd10cm", "R00.8", "R008", "code", billable, title, title, "")


def test_history_says_present_added_revised_unchanged_deleted_and_absent():
    releases = [FY2025, FY2026, APRIL_2026]
    steps = history_of(releases, {"cm-2025-10": _code("Old"), "cm-2026-04": _code("New")})
    assert [s.status for s in steps] == ["absent", "added", "revised"]
    assert steps[2].changed == ["title", "description"]
    assert steps[2].before["title"] == "Old"
    assert steps[2].after == {"title": "New", "description": "New"}

    steps = history_of(releases, {"cm-2024-10": _code("A"), "cm-2025-10": _code("A")})
    assert [s.status for s in steps] == ["present", "unchanged", "deleted"]


def test_a_change_of_billable_status_is_a_revision():
    assert revised_fields(_code("A", True), _code("A", False)) == ["billable"]


@pytest.mark.parametrize(
    "name, effective",
    [
        ("icd10cm_order_2026.txt", date(2025, 10, 1)),
        ("icd10pcs_order_2025.txt", date(2024, 10, 1)),
        ("icd10cm-tabular-April-1-2026.xml", date(2026, 4, 1)),
        ("icd10cm_tabular_2026.xml", date(2025, 10, 1)),
        ("April 2025 icd10cm order.txt", date(2025, 4, 1)),
        ("codes.txt", None),
    ],
)
def test_icd_file_names_give_the_effective_date(name, effective):
    assert icd_effective_date(name) == effective


def test_the_fiscal_year_starts_in_october():
    assert fiscal_year(date(2025, 9, 30)) == 2025
    assert fiscal_year(date(2025, 10, 1)) == 2026


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2019, 1, 1), FY2025),  # before them all: the oldest
        (date(2026, 11, 27), APRIL_2026),  # after them all: the newest of the latest end
        (date(2099, 1, 1), APRIL_2026),
    ],
)
def test_a_date_no_release_covers_takes_the_nearest(day, expected):
    assert nearest([FY2025, FY2026, APRIL_2026], day) == expected


def test_a_release_that_ended_says_when_and_how_to_load_another():
    # Given today is 2026-11-27 and the newest loaded release ended on 2026-09-30
    told = standing(APRIL_2026, [FY2025, FY2026, APRIL_2026], date(2026, 11, 27))
    # Then it is out of force, nothing loaded is in force, and the warning says what to do
    assert told.in_force_today is False and told.in_force_release is None
    assert told.warnings[0] == (
        "The April 2026 ended on 2026-09-30; it is not in force today (2026-11-27)."
    )
    assert "coderef import --system icd10cm --source <file>" in told.warnings[1]


def test_an_older_release_names_the_one_in_force_today():
    told = standing(FY2025, [FY2025, FY2026, APRIL_2026], date(2026, 5, 1))
    assert told.in_force_release == APRIL_2026
    assert told.warnings[-1] == "The release in force today is the April 2026."


def test_a_release_in_force_that_covers_the_date_asked_has_nothing_to_say():
    told = standing(APRIL_2026, [APRIL_2026], date(2026, 5, 1), asked=date(2026, 4, 2))
    assert told.in_force_today and told.covers_asked_date and told.warnings == []


def test_a_date_the_release_does_not_cover_is_named_and_a_future_one_called_so():
    told = standing(APRIL_2026, [APRIL_2026], date(2026, 5, 1), asked=date(2027, 1, 1))
    assert told.covers_asked_date is False
    assert told.warnings == [
        "No loaded ICD-10-CM release covers 2027-01-01 (a date in the future): this page shows "
        "the nearest, the April 2026 (2026-04-01 to 2026-09-30)."
    ]


def test_a_saved_comparison_reads_without_punctuation_only_revisions():
    from coderef.catalog.releases import changes_from_saved

    def slim(code, title):
        key = code.replace(".", "")
        return {
            "code": code,
            "key": key,
            "kind": "code",
            "billable": True,
            "title": title,
            "description": title,
        }

    # Given a comparison saved before titles were compared without punctuation
    saved = {
        "added": [],
        "deleted": [],
        "revised": [
            {
                "record": slim("T81.32XA", "Disruption of wound, initial encounter"),
                "changed": ["title", "description"],
                "before": {
                    "title": "Disruption of wound initial encounter",
                    "description": "Disruption of wound initial encounter",
                },
            },
            {
                "record": slim("F98.21", "Rumination disorder of infancy and childhood"),
                "changed": ["title", "billable"],
                "before": {"title": "Rumination disorder of infancy", "billable": False},
            },
        ],
    }
    # When it is read
    changes = changes_from_saved(saved, FY2025, FY2026)
    # Then it answers as a comparison made now: the punctuation-only revision is left out
    assert [(r.record.code, r.changed, r.before) for r in changes.revised] == [
        (
            "F98.21",
            ["title", "billable"],
            {"title": "Rumination disorder of infancy", "billable": False},
        )
    ]
