"""`python -m dashboard.export`: brief, deck and workbook files for a country."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pypdf import PdfReader

from dashboard.export.__main__ import main
from tests.conftest import DATA_DIR, ROOT


@pytest.fixture(autouse=True)
def _no_chart_images(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No browser here: chart images are checked in test_export_brief and
    test_export_deck_workbook; this file checks the command line, quickly.
    """
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-chromium"))


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_brief_for_a_country_on_a_given_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "briefs" / "romania.pdf"
    args = ["brief", "--country", "rou", "--out", str(out), "--as-of", "2026-06-30"]
    assert main(args + ["--data-dir", str(DATA_DIR)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = pdf_text(out)
    assert "Country brief: Romania" in text
    assert (
        "Prepared for the Ministry of Science and Technology, Government of Pakistan, as of "
        "2026-06-30. Its sources: published " in text
    )
    # Ages count to the date asked for: 2025-08-09 to 2026-06-30 is 325 days.
    assert "Proposed 2025-08-09 325" in text
    assert "Charts are not included: no Chromium browser at" in text


def test_brief_defaults_to_the_configured_today(tmp_path: Path) -> None:
    """conftest fixes DASHBOARD_TODAY=2026-11-28, as a server setting would."""
    out = tmp_path / "brief.pdf"
    assert main(["brief", "--country", "ROU", "--out", str(out)]) == 0
    assert "as of 2026-11-28. Its sources:" in pdf_text(out)


def test_deck_and_workbook_for_a_country(tmp_path: Path) -> None:
    deck_path, book_path = tmp_path / "deck.pptx", tmp_path / "romania.xlsx"
    assert main(["deck", "--country", "ROU", "--out", str(deck_path)]) == 0
    deck = Presentation(str(deck_path))
    first = "\n".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "Country profile: Romania" in first
    assert len(deck.slides) == 1 + 7  # six indicators and the hubs map

    assert main(["workbook", "--country", "ROU", "--out", str(book_path)]) == 0
    sheets = pd.read_excel(book_path, sheet_name=None)
    assert list(sheets)[0] == "About" and list(sheets)[-1] == "Sources"
    assert len(sheets) == 1 + 7 + 4 + 1  # about, charts' data, tables, sources
    assert sheets["Sources"]["source_id"].is_unique


def test_unknown_country_is_refused_plainly_with_exit_status_2(tmp_path: Path) -> None:
    out = tmp_path / "brief.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.export", "brief", "--country", "XYZ", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "unknown country code 'XYZ'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["brief", "--country", "ROU", "--as-of", "2026-13-01"], "not a date (YYYY-MM-DD)"),
        (["deck", "--country", "ROU", "--data-dir", "/nonexistent/data"], "no data folder at"),
        (["slides", "--country", "ROU"], "invalid choice: 'slides'"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        status = main([*args, "--out", str(tmp_path / "x")])
        raise SystemExit(status)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_country_with_no_records_still_gets_its_files(tmp_path: Path) -> None:
    brief, book = tmp_path / "tuvalu.pdf", tmp_path / "tuvalu.xlsx"
    assert main(["brief", "--country", "TUV", "--out", str(brief)]) == 0
    assert "No meetings recorded with Tuvalu." in pdf_text(brief)
    assert main(["workbook", "--country", "TUV", "--out", str(book)]) == 0
    about = pd.read_excel(book, sheet_name="About")
    assert about.iloc[0].tolist()[:2] == ["View", "Country profile: Tuvalu"]
