"""The app shell under AppTest: the home page and Sources page render; Sources lists every table."""

from __future__ import annotations

import re

from dashboard.datasets import load_package
from tests.helpers import page_text, run_app


def test_home_page_renders_and_shows_the_loaded_datasets() -> None:
    at = run_app()
    assert not at.exception
    datasets = next(df.value for df in at.dataframe if "Dataset" in df.value.columns)
    assert len(datasets) == len(load_package().spec.resources)


def test_sources_page_lists_every_table_with_publisher_licence_and_status() -> None:
    at = run_app("views/sources.py")
    assert not at.exception
    overview = next(df.value for df in at.dataframe if "Validation" in df.value.columns)
    spec = load_package().spec
    assert list(overview["File"]) == [res.path for res in spec.resources]
    assert overview["Publisher"].str.len().gt(0).all()
    assert overview["Licence"].str.len().gt(0).all()
    # A table citing sources shows when they were published and when they were last checked.
    dated = overview[[bool(res.as_of) for res in spec.resources]]
    assert len(dated) >= len(overview) - 1  # labels.csv is the package's own wording
    assert dated["Published"].str.match(r"\d{4}-\d{2}-\d{2}").all()
    assert dated["Checked"].str.match(r"\d{4}-\d{2}-\d{2}").all()
    assert (dated["Checked"] >= dated["Published"]).all()
    assert overview["Validation"].str.contains("valid").all()
    assert "Every table passed validation" in page_text(at)


def test_hostile_query_string_gives_notices_not_errors() -> None:
    at = run_app(query={"country": "<script>alert(1)</script>", "from": "yesterday"})
    assert not at.exception
    text = page_text(at)
    assert "Ignored the country value" in text
    assert "Ignored the 'from' date" in text
    # The notice quotes the value as text: every markup character escaped, none left raw.
    notices = [el.value for el in at.info]
    assert any(r"\<script\>" in notice for notice in notices), notices
    assert not any(re.search(r"(?<!\\)[<\[]", notice) for notice in notices), notices


def test_clear_filters_empties_every_filter() -> None:
    at = run_app(query={"country": "ROU", "area": "ai", "from": "2025-01-01"})
    assert at.multiselect(key="flt_country").value == ["ROU"]
    at.button(key="clear_filters").click().run()
    assert not at.exception
    assert at.multiselect(key="flt_country").value == []
    assert at.multiselect(key="flt_area").value == []
    assert at.date_input(key="flt_from").value is None
