"""A follow-up status the curators inferred is shown as inferred wherever a status appears:
the follow-ups and timeline tables, the country profile and the PDF brief."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
from pypdf import PdfReader

from dashboard.charts.followups import actions_table
from dashboard.datasets.citations import sources_table
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import load_package
from dashboard.datasets.profile import build_country_profile
from dashboard.datasets.queries import followups_view, status_text
from dashboard.export.brief import build_brief
from tests.helpers import read_rows, rewrite_cell

AS_OF = date(2026, 11, 28)


def test_status_words_mark_an_inference_and_only_an_inference() -> None:
    actions = pd.DataFrame(
        {"status": ["done", "done", "proposed"], "status_basis": ["inferred", "reported", None]}
    )
    assert list(status_text(actions)) == ["Done (inferred)", "Done", "Proposed"]


def test_the_forum_linked_by_inference_reads_as_inferred_in_the_actions_table() -> None:
    package = load_package()
    actions = followups_view(package, Filters(countries=("ROU",)), AS_OF)
    table = actions_table(actions).set_index("Action")
    forum = table.loc[table.index.str.startswith("Organise a Romania–Pakistan Science")]
    assert list(forum["Status"]) == ["Done (inferred)"]
    mou = table.loc[table.index.str.startswith("Memorandum of Understanding")]
    assert list(mou["Status"]) == ["Proposed"]


def _make_open_action_inferred(data_copy: Path) -> None:
    path = data_copy / "followups.csv"
    rows = read_rows(path)
    line = next(i + 1 for i, r in enumerate(rows) if r[0] == "2025-08-09-rou-mou")
    rewrite_cell(path, line, "status_basis", "inferred")


def test_the_country_profile_and_brief_show_an_inferred_open_status(data_copy: Path) -> None:
    _make_open_action_inferred(data_copy)
    package = load_package(data_copy, use_cache=False)
    profile = build_country_profile(package, "ROU", today=AS_OF)
    mou = profile.open_followups[profile.open_followups["action_id"] == "2025-08-09-rou-mou"]
    assert list(status_text(mou)) == ["Proposed (inferred)"]

    pdf = build_brief(profile, AS_OF, sources_table(package, profile.source_ids))
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert "Proposed (inferred)" in text
