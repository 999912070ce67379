"""The PDF country brief, read back as a reader (pypdf, poppler) sees it."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from dashboard.datasets import load_package
from dashboard.datasets.citations import source_dates, sources_table
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.profile import CountryProfile, build_country_profile
from dashboard.export.brief import MINISTRY_URDU, _fact_figure, build_brief
from tests.conftest import ARTIFACTS, CHROMIUM, IN_CI

AS_OF = date(2026, 11, 28)
A4_POINTS = (595.28, 841.89)
URDUPOINT_SOURCE = "urdupoint-2025-09-30-rou"


def flat(text: str) -> str:
    """Text with every run of whitespace as one space: table cells wrap over lines."""
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def tool(name: str) -> str:
    """A poppler-utils program; CI must have it, a developer machine may skip."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} (Debian poppler-utils) is required in CI")
        pytest.skip(f"{name} not installed (Debian poppler-utils)")
    return path


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> LoadedPackage:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DASHBOARD_CACHE_DIR", str(tmp_path_factory.mktemp("parquet-cache")))
        return load_package()


@pytest.fixture(scope="module")
def romania(package: LoadedPackage) -> CountryProfile:
    return build_country_profile(package, "ROU", today=AS_OF)


@pytest.fixture(scope="module")
def romania_pdf(package: LoadedPackage, romania: CountryProfile) -> bytes:
    """Built once (with charts when Chromium is installed) for every test below."""
    return build_brief(romania, AS_OF, sources_table(package, romania.source_ids))


@pytest.fixture(scope="module")
def romania_text(romania_pdf: bytes) -> str:
    return pdf_text(romania_pdf)


def test_brief_is_one_or_two_a4_pages(romania_pdf: bytes) -> None:
    pages = PdfReader(io.BytesIO(romania_pdf)).pages
    assert 1 <= len(pages) <= 2
    for page in pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=0.5)


def test_brief_names_the_country_the_date_and_its_headline_figures(
    package: LoadedPackage, romania: CountryProfile, romania_text: str
) -> None:
    text = flat(romania_text)
    assert "Country brief: Romania" in text
    assert "as of 2026-11-28" in text
    # The brief's own date, then its sources' dates: the newest published and the newest check.
    dates = source_dates(sources_table(package, romania.source_ids))
    assert dates.words().startswith("published ")
    assert f"as of 2026-11-28. Its sources: {dates.words()}." in text
    assert "Romania employs more than 200,000 skilled professionals (in IT)" in text
    assert "over 200,000 people" in text
    assert "Romania contributes over 6% to its GDP through IT" in text
    assert "over 6 % of GDP" in text


def test_brief_shows_indicators_next_to_pakistan(romania_pdf: bytes, romania_text: str) -> None:
    text = flat(romania_text)
    assert "Key indicators: Romania next to Pakistan" in text
    # Latest R&D spend, as the WDI rows give it (0.5166 % and 0.1640 % of GDP in 2023).
    assert "Research and development expenditure (% of GDP) 0.52% (2023) 0.16% (2023)" in text
    if CHROMIUM.exists():
        first_page = PdfReader(io.BytesIO(romania_pdf)).pages[0]
        assert len(first_page.images) == 2, "two indicator charts on page 1"


def test_brief_shows_programme_access_meetings_and_open_followups(
    romania: CountryProfile, romania_text: str
) -> None:
    text = flat(romania_text)
    assert "Romania: EU member state — full participant in Horizon Europe." in text
    assert "Horizon Europe €95.5 bn Eligible by rule" in text
    assert (
        "2025-08-09 Magsi meets Romanian Ambassador Dan Stoenescu — EU programmes access, "
        "proposed MoU and S&T Forum (seed event)" in text
    )
    assert "2025-11-20 Romania–Pakistan IT Forum 2025 (online)" in text
    assert len(romania.open_followups) == 5
    for row in romania.open_followups.itertuples():
        age_line = f"{flat(row.description)} Proposed {row.raised:%Y-%m-%d} {row.age_days}"
        assert age_line in text
    assert "Memorandum of Understanding between the Ministry of Science and Technology" in text
    # Age counted from when it was raised to the brief's date.
    assert "Proposed 2025-08-09 476" in text
    # The forum proposal was done on 2025-11-20: not an open follow-up.
    assert "Organise a Romania–Pakistan Science and Technology Forum" not in text


def test_brief_lists_every_source_with_publisher_title_and_date(
    package: LoadedPackage, romania: CountryProfile, romania_text: str
) -> None:
    text = flat(romania_text)
    sources = sources_table(package, romania.source_ids)
    assert len(sources) > 10
    for number, row in enumerate(sources.itertuples(), start=1):
        assert f"[{number}] {flat(row.publisher)}" in text
        if row.source_id != URDUPOINT_SOURCE:
            assert flat(row.title) in text
    assert (
        "[1] Press Information Department (PID), Government of Pakistan — PR No. 100 — New Era "
        "of Science Diplomacy: Pakistan Deepens Tech Links with Romania (published 2025-08-09; "
        "checked 2026-11-28)"
    ) in text
    assert (
        "EUR-Lex (Publications Office of the EU) — Regulation (EU) 2021/694 establishing the "
        "Digital Europe Programme — consolidated text" in text
    )
    assert "(undated; checked 2026-11-28)" in text


def test_romanian_diacritics_extract_intact(romania_text: str) -> None:
    assert "Tech hubs: Cluj-Napoca, Timișoara, Iași, Brașov, Bucharest." in romania_text
    for city in ("Timișoara", "Iași", "Brașov"):
        assert city in romania_text


def test_urdu_source_title_is_embedded_in_nastaliq_and_its_letters_read_back(
    package: LoadedPackage, romania_pdf: bytes, romania_text: str
) -> None:
    """Shaped Nastaliq cannot be read back verbatim, so the check is weaker than for Latin.

    HarfBuzz replaces letters by contextual glyph forms. fpdf2 maps the forms it can trace
    back to letters in the font's ToUnicode table, but some forms come out as stray ASCII or
    control characters, and readers return glyphs in visual (right-to-left) order; poppler's
    pdftotext also regroups the slanted Nastaliq line by height. So instead of the whole title
    this asserts: the Nastaliq font is embedded, and every Urdu letter of the title (and of the
    ministry's name in the heading) is in the text read back.
    The rendered page (test-artifacts/brief-page1.png and brief-ROU.pdf) shows the shaping.
    """
    sources = package.table("sources")
    title = sources.loc[sources["source_id"] == URDUPOINT_SOURCE, "title"].iloc[0]
    assert "رومانیہ" in title  # "Romania" in Urdu: the data really is Urdu

    reader = PdfReader(io.BytesIO(romania_pdf))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("NotoNastaliqUrdu" in name for name in fonts), fonts
    assert any("NotoSans" in name for name in fonts), fonts

    read_back = set(romania_text)
    for urdu in (title, MINISTRY_URDU):
        letters = set(urdu) - {" "}
        assert letters <= read_back, letters - read_back


def test_page_one_renders_to_png_artifact(romania_pdf: bytes, tmp_path: Path) -> None:
    pdf_path = tmp_path / "brief.pdf"
    pdf_path.write_bytes(romania_pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / "brief-page1"
    subprocess.run(
        [tool("pdftoppm"), "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile"]
        + [str(pdf_path), str(stem)],
        check=True,
    )
    png = stem.with_suffix(".png").read_bytes()
    assert png.startswith(b"\x89PNG")
    (ARTIFACTS / "brief-ROU.pdf").write_bytes(romania_pdf)


def test_without_chromium_the_brief_still_completes_and_says_why(
    package: LoadedPackage,
    romania: CountryProfile,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-chromium-here"
    monkeypatch.setenv("CHROMIUM_PATH", str(missing))
    pdf = build_brief(romania, AS_OF, sources_table(package, romania.source_ids))
    text = flat(pdf_text(pdf))
    assert f"Charts are not included: no Chromium browser at {missing}" in text
    assert "apt-get install chromium" in text
    assert "The latest values are in the table." in text
    # The numbers behind the charts are still there.
    assert "Research and development expenditure (% of GDP) 0.52% (2023) 0.16% (2023)" in text
    assert all(len(page.images) == 0 for page in PdfReader(io.BytesIO(pdf)).pages)


def test_country_with_no_records_gets_a_plain_brief(package: LoadedPackage) -> None:
    tuvalu = build_country_profile(package, "TUV", today=AS_OF)
    text = flat(pdf_text(build_brief(tuvalu, AS_OF, sources_table(package, tuvalu.source_ids))))
    assert "Country brief: Tuvalu" in text
    assert "No sector facts recorded for Tuvalu." in text
    assert "No meetings recorded with Tuvalu." in text
    assert "No open follow-ups with Tuvalu." in text


def test_a_figure_not_checked_against_its_primary_source_is_marked_unverified(
    package: LoadedPackage,
) -> None:
    """Pakistan's IT exports for FY2023 and FY2024 could not be checked against the State Bank
    of Pakistan's data: the brief prints them marked."""
    facts = package.table("sector_facts").set_index("fact_id")
    fy2024 = facts.loc["pak-it-exports-fy2024"]
    assert bool(fy2024["unverified"]) and "State Bank of Pakistan" in fy2024["note"]
    assert _fact_figure(fy2024) == "3.22 USD bn (unverified)"
    assert _fact_figure(facts.loc["pak-it-exports-fy2025"]) == "3.81 USD bn"
