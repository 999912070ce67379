"""Hostile text in every URL parameter and in planted data stays text on every page.

One server on a data copy with markup planted in a source, a country, an area and a meeting;
every page opened with each payload in each URL parameter. No anchor, image or request may
reach another host, no LaTeX may be typeset, and the planted text must be readable as typed.
"""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from dashboard.ui.text import WORD_JOINER
from tests.conftest import FIXED_TODAY, WatchedPage, app_server_for
from tests.helpers import rewrite_cell

pytestmark = pytest.mark.browser

EVIL = "evil.example"
PAYLOADS = [
    f"[Sign in again](https://{EVIL}/login)",
    f"![x](https://{EVIL}/pixel.png)",
    f'<a href="https://{EVIL}/a">html link</a><img src="https://{EVIL}/i.png">',
    "US$ 5 and US$ 6, $x^2$",
    f"https://{EVIL}/bare www.{EVIL} someone@{EVIL}",
]
URL_KEYS = ["country", "area", "programme", "from", "to", "indicator", "event", "status"]
PAGES = ["", "country", "compare", "programmes", "areas", "timeline", "followups", "sources"]
ROMANIA_MEETING = "2025-08-09-ROU"  # line 18 of meetings.csv


def _plant(data: Path) -> None:
    """Every payload into text the pages show: citations, names, a meeting's details."""
    rewrite_cell(data / "sources.csv", 2, "publisher", "PID " + PAYLOADS[0] + " " + PAYLOADS[3])
    rewrite_cell(data / "sources.csv", 2, "title", PAYLOADS[1] + " " + PAYLOADS[4])
    rewrite_cell(data / "meetings.csv", 18, "title", PAYLOADS[2] + " " + PAYLOADS[0])
    rewrite_cell(data / "meetings.csv", 18, "outcomes", " ".join(PAYLOADS))
    romania = _line_of(data / "countries.csv", "iso3", "ROU")
    rewrite_cell(data / "countries.csv", romania, "name", "Romania " + PAYLOADS[2])
    rewrite_cell(data / "cooperation_areas.csv", 2, "name", "AI " + PAYLOADS[0] + PAYLOADS[3])


def _as_read(text: str) -> str:
    """Text as a reader sees it: without the invisible word joiners that stop autolinks."""
    return text.replace(WORD_JOINER, "")


def _line_of(path: Path, column: str, value: str) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if row[column] == value:
                return number
    raise LookupError(value)


def _source_urls(data: Path) -> set[str]:
    with (data / "sources.csv").open(encoding="utf-8", newline="") as handle:
        return {row["url"] for row in csv.DictReader(handle)}


def _hostile_urls() -> list[str]:
    """Every payload in every URL parameter on every page (repeated keys are all read), and
    each payload alone as the timeline's event (only one event is read)."""
    query = "&".join(f"{key}={quote(payload)}" for key in URL_KEYS for payload in PAYLOADS)
    return [f"/{page}?{query}" for page in PAGES] + [
        f"/timeline?event={quote(payload)}" for payload in PAYLOADS
    ]


def _assert_nothing_foreign(app_page: WatchedPage, allowed_links: set[str], where: str) -> None:
    page = app_page.page
    own_host = urlsplit(app_page.base_url).netloc
    # HTML anchors and SVG ones (plotly draws <a> in chart text), resolved against the page.
    hrefs = page.eval_on_selector_all(
        "a",
        "els => els.map(e => e.getAttribute('href') || e.getAttribute('xlink:href'))"
        ".filter(Boolean).map(h => new URL(h, document.baseURI).href)",
    )
    foreign = [
        h
        for h in hrefs
        if urlsplit(h).scheme in {"http", "https"}
        and urlsplit(h).netloc != own_host
        and h not in allowed_links
    ]
    assert foreign == [], f"{where}: links to other sites: {foreign}"
    sources = page.eval_on_selector_all(
        "img, image, source, iframe, video, audio",
        "els => els.map(e => e.currentSrc || e.src || e.getAttribute('href') || '')",
    )
    assert not [s for s in sources if EVIL in s], f"{where}: foreign media: {sources}"
    assert page.locator(".katex").count() == 0, f"{where}: text was typeset as LaTeX"
    app_page.assert_clean()


def test_hostile_text_in_urls_and_data_stays_text_on_every_page(
    browser, data_copy: Path, tmp_path: Path
) -> None:
    _plant(data_copy)
    allowed_links = _source_urls(data_copy)
    server = app_server_for(
        {
            "DASHBOARD_TODAY": FIXED_TODAY,
            "DASHBOARD_DATA_DIR": str(data_copy),
            "DASHBOARD_CACHE_DIR": str(tmp_path / "cache"),
        }
    )
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    dialogs: list[str] = []
    try:
        server.start()
        app_page = WatchedPage(context.new_page(), server.url)
        app_page.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        # The planted meeting, its details open: every payload readable as typed.
        app_page.open(f"/timeline?event={ROMANIA_MEETING}")
        details = app_page.page.locator(".st-key-event_details")
        expect(details).to_contain_text("Sign in again")
        shown = _as_read(details.inner_text())
        for payload in PAYLOADS:
            assert payload in shown
        _assert_nothing_foreign(app_page, allowed_links, "timeline event")

        app_page.open("/country?country=ROU")
        expect(app_page.page.locator("h2").first).to_contain_text("Romania")
        assert "Romania " + PAYLOADS[2] in _as_read(app_page.page.locator("h2").first.inner_text())
        _assert_nothing_foreign(app_page, allowed_links, "country profile of the planted name")

        for url in _hostile_urls():
            app_page.open(url)
            expect(app_page.page.get_by_text("from the link").first).to_be_visible()
            _assert_nothing_foreign(app_page, allowed_links, url)
        assert dialogs == []
    finally:
        context.close()
        server.stop()
