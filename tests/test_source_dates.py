"""What "as of" means: a citation's published and checked dates, and every source dated or
marked undated — in the package, on the citation lines and in the records store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.datasets.audit import cited_source_ids
from dashboard.datasets.citations import (
    SourceDates,
    resource_as_of,
    short_source_line,
    source_entries,
    source_line,
)
from dashboard.datasets.loader import LoadedPackage, load_package
from dashboard.records import RecordsStore, ValidationFailed
from dashboard.records.__main__ import export_package
from tests.conftest import DATA_DIR
from tests.helpers import EDITOR

UNDATED_SOURCE = "dunya-2024-06-25-kor"


@pytest.fixture(scope="module")
def package() -> LoadedPackage:
    return load_package(DATA_DIR)


def test_the_two_dates_are_said_once_when_they_agree_and_both_when_they_differ() -> None:
    assert SourceDates("2026-07-13", "2026-07-13").words() == "as of 2026-07-13"
    assert SourceDates("2023-09-21", "2026-12-04").words() == (
        "published 2023-09-21, checked 2026-12-04"
    )
    assert SourceDates("", "2026-12-04").words() == "undated, checked 2026-12-04"
    assert not SourceDates() and SourceDates().words() == ""
    newest = SourceDates("2023-09-21", "2026-12-04").newest(SourceDates("2025-08-09", "2026-11-28"))
    assert newest == SourceDates("2025-08-09", "2026-12-04")


def test_a_tables_dates_are_its_as_of_and_the_newest_check_of_its_sources(package) -> None:
    """The EU programmes' figures were published up to 2023 and checked against their pages in
    2026: the line says both, not "as of 2023-09-21" alone."""
    dates = resource_as_of(package, "programmes")
    assert dates.published == package.resource("programmes").as_of
    sources = package.table("sources").set_index("source_id")
    cited = cited_source_ids(package.tables, package.spec, "programmes")
    assert dates.checked == f"{sources.loc[list(cited), 'accessed'].max():%Y-%m-%d}"
    assert dates.checked > dates.published
    ids = package.table("programmes")["source_id"]
    assert source_line(package, ids, dates).endswith(
        f". Data published {dates.published}, checked {dates.checked}"
    )
    assert short_source_line(package, ids, dates).endswith(
        f" · published {dates.published}, checked {dates.checked}"
    )


def test_several_tables_take_the_newest_of_each_date(package) -> None:
    both = resource_as_of(package, "programmes", "programme_areas")
    one, other = resource_as_of(package, "programmes"), resource_as_of(package, "programme_areas")
    assert both == one.newest(other)


def test_an_undated_source_is_called_undated_and_its_check_date_is_listed(package) -> None:
    line = source_line(package, [UNDATED_SOURCE])
    assert line.endswith("(undated)")
    (entry,) = source_entries(package, [UNDATED_SOURCE])
    assert "(undated; checked 2026-11-28)" in entry


@pytest.fixture
def store(tmp_path: Path):
    records = RecordsStore(f"sqlite:///{tmp_path / 'records.sqlite'}", DATA_DIR)
    records.upgrade()
    try:
        yield records
    finally:
        records.close()


def _source(**changes) -> dict:
    source = {
        "publisher": "Daily Times",
        "title": "Pakistan, Romania discuss S&T cooperation",
        "url": "https://dailytimes.com.pk/example",
        "published": None,
    }
    return source | changes


def test_a_source_recorded_without_a_date_is_marked_undated_and_exports_clean(
    store: RecordsStore, tmp_path: Path
) -> None:
    undated = store.add_source(EDITOR, _source())
    dated = store.add_source(
        EDITOR, _source(url="https://dailytimes.com.pk/b", published="2026-11-20")
    )
    sources = store.tables()["sources"].set_index("source_id")
    marked = sources["undated"].fillna(False).astype(bool)
    assert marked[undated] and not marked[dated]
    assert (marked == sources["published"].isna()).all()  # the seeded rows too
    meeting = {
        "date": "2026-11-20",
        "date_precision": "day",
        "partner_iso3": "ROU",
        "event_type": "meeting",
        "title": "Follow-up talks",
    }
    store.record_meeting(EDITOR, meeting, source_ids=[undated, dated])
    folder = tmp_path / "export"
    export_package(store, folder)
    assert [p for p in load_package(folder).errors] == []
    shutil.rmtree(folder)


def test_a_source_with_a_date_and_marked_undated_is_refused(store: RecordsStore) -> None:
    with pytest.raises(ValidationFailed) as failed:
        store.add_source(EDITOR, _source(published="2026-11-20", undated=True))
    assert [p.rule for p in failed.value.problems] == ["source-undated"]
    assert failed.value.by_field()["undated"]
