"""The country brief: one or two A4 pages a minister can read in two minutes, as PDF.

Built only from `CountryProfile` (the object the country page shows) and the sources table
for its `source_ids`, so the brief and the page never disagree. Every row carries a source
number ``[n]`` that points into the Sources section at the end.

Fonts are bundled in ``dashboard/export/fonts`` (Noto Sans for Latin text including Romanian
ș/ț, Noto Nastaliq Urdu for Urdu; SIL Open Font License, see ``fonts/OFL.txt``) so the PDF
looks the same on any server. Urdu is shaped with HarfBuzz (``uharfbuzz``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout

from dashboard.charts.country import indicator_trend
from dashboard.charts.theme import FIGURE_LOCK, format_value
from dashboard.datasets.citations import source_dates
from dashboard.datasets.profile import HOME_ISO3, CountryProfile
from dashboard.datasets.programme_tree import ELIGIBILITY_WORDS
from dashboard.datasets.queries import status_text
from dashboard.export.images import charts_missing_note, render_png

FONT_DIR = Path(__file__).resolve().parent / "fonts"
TEXT_FONT = "NotoSans"
URDU_FONT = "NotoNastaliqUrdu"
FONT_FILES = {
    (TEXT_FONT, ""): "NotoSans-Regular.ttf",
    (TEXT_FONT, "B"): "NotoSans-Bold.ttf",
    (URDU_FONT, ""): "NotoNastaliqUrdu-Regular.ttf",
}
MINISTRY = "Ministry of Science and Technology, Government of Pakistan"
MINISTRY_URDU = "وزارت سائنس و ٹیکنالوجی"
COMPARATOR_WORDS = {"over": "over", "about": "about", "under": "under"}
UNVERIFIED = "unverified"  # beside a figure not checked against its primary source
MAX_FACTS = 6
CHARTS_IN_BRIEF = 2
# Chart images: rendered at this pixel size, printed side by side at CHART_WIDTH_MM.
CHART_PX = (540, 340)
CHART_WIDTH_MM = 88.0
INK = (26, 31, 28)
GREY = (74, 84, 94)
ACCENT = (0, 114, 178)
HEADING_FILL = (230, 238, 244)
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def _missing_fonts() -> list[str]:
    return [name for name in FONT_FILES.values() if not (FONT_DIR / name).is_file()]


def _text(value: object, empty: str = "–") -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return empty
    if isinstance(value, float) and pd.isna(value):
        return empty
    if isinstance(value, pd.Timestamp | date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


class BriefPDF(FPDF):
    """An A4 document in the bundled fonts (Latin and Urdu), with headings, paragraphs and
    grids: the country brief's, and the digest's attachment."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        missing = _missing_fonts()
        if missing:
            raise FileNotFoundError(
                f"Fonts missing from {FONT_DIR}: {', '.join(missing)} (reinstall the package)"
            )
        for (family, style), name in FONT_FILES.items():
            self.add_font(family, style, str(FONT_DIR / name))
        self.set_fallback_fonts([URDU_FONT])
        self.set_text_shaping(True)
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(True, margin=14)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(TEXT_FONT, size=7.5)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"{self.footer_text} — page {self.page_no()}", align="C")
        self.set_text_color(*INK)

    def heading(self, text: str) -> None:
        if self.will_page_break(18):
            self.add_page()
        self.ln(2.5)
        self.set_font(TEXT_FONT, "B", 12)
        self.set_text_color(*ACCENT)
        self.cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*ACCENT)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_text_color(*INK)
        self.ln(1.5)

    def para(self, text: str, size: float = 9.5, colour: tuple[int, int, int] = INK) -> None:
        self.set_font(TEXT_FONT, size=size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.46, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)

    def urdu_line(self, text: str, size: float = 10) -> None:
        """Urdu on its own right-aligned line: Nastaliq needs more height than Latin text."""
        self.set_font(URDU_FONT, size=size)
        self.multi_cell(0, size * 0.8, text, align="R", new_x="LMARGIN", new_y="NEXT")

    def grid(
        self,
        headings: Sequence[str],
        rows: list[Sequence[str]],
        widths: Sequence[float],
        links: Sequence[str | None] | None = None,
    ) -> None:
        """A table; `links`, one per row, makes each row's first cell a link."""
        self.set_font(TEXT_FONT, size=8.5)
        with self.table(
            col_widths=tuple(widths),
            width=self.epw,
            text_align="LEFT",
            align="LEFT",
            v_align="TOP",
            line_height=3.8,
            padding=(0.6, 1.2),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        ) as table:
            table.row(list(headings))
            for n, values in enumerate(rows):
                row = table.row()
                for column, value in enumerate(values):
                    link = links[n] if links is not None and column == 0 else None
                    row.cell(str(value), link=link)


class _SourceNumbers:
    """``[n]`` for a source id: n is its line in the Sources section."""

    def __init__(self, sources: pd.DataFrame) -> None:
        self.numbers = {sid: i + 1 for i, sid in enumerate(sources["source_id"].astype(str))}

    def __call__(self, source_id: object) -> str:
        number = self.numbers.get(str(source_id)) if isinstance(source_id, str) else None
        return f"[{number}]" if number else "–"


def _fact_figure(fact: pd.Series) -> str:
    if pd.isna(fact["value"]):
        return "–"
    comparator = COMPARATOR_WORDS.get(_text(fact["comparator"], ""), "")
    unit = _text(fact["unit"], "")
    figure = " ".join(part for part in (comparator, _number(fact["value"]), unit) if part)
    unverified = fact.get("unverified")
    return f"{figure} ({UNVERIFIED})" if pd.notna(unverified) and bool(unverified) else figure


def _fact_period(fact: pd.Series) -> str:
    period = _text(fact["period"], "")
    as_of = f"as of {_text(fact['as_of'])}"
    return f"{period} ({as_of})" if period else as_of


def _headline_facts(pdf: BriefPDF, profile: CountryProfile, cite: _SourceNumbers) -> None:
    pdf.heading("Headline facts")
    if profile.facts.empty:
        pdf.para(f"No sector facts recorded for {profile.name}.")
        return
    shown = profile.facts.head(MAX_FACTS)
    rows = [
        (_text(f["statement"]), _fact_figure(f), _fact_period(f), cite(f["source_id"]))
        for _, f in shown.iterrows()
    ]
    pdf.grid(("Fact", "Figure", "Period", "Ref."), rows, (100, 36, 32, 12))
    if len(profile.facts) > MAX_FACTS:
        more = len(profile.facts) - MAX_FACTS
        pdf.para(f"{more} more facts on the country page of the dashboard.", 8, GREY)


def _chart_codes(profile: CountryProfile) -> list[str]:
    """The first key indicators with a value for the country (profile order)."""
    own = profile.latest[profile.latest["iso3"] == profile.iso3]
    return list(dict.fromkeys(own["indicator_code"]))[:CHARTS_IN_BRIEF]


def _charts(pdf: BriefPDF, profile: CountryProfile) -> None:
    codes = _chart_codes(profile)
    images, reasons = [], []
    for code in codes:
        trend = indicator_trend(profile.indicators, code, HOME_ISO3)
        with FIGURE_LOCK:
            # A copy: the memo's figure is shared by every session.
            fig = go.Figure(trend)
            # In print the years speak for themselves; the axis title would collide with the
            # legend.
            fig.update_xaxes(title_text=None)
        png, reason = render_png(fig, width=CHART_PX[0], height=CHART_PX[1])
        if png is None:
            reasons.append(reason)
        else:
            images.append(png)
    if reasons:
        pdf.para(f"{charts_missing_note(reasons[0])} The latest values are in the table.", 9, GREY)
        return
    height = CHART_WIDTH_MM * CHART_PX[1] / CHART_PX[0]
    if pdf.will_page_break(height):
        pdf.add_page()
    top = pdf.get_y()
    gap = (pdf.epw - CHART_WIDTH_MM * len(images)) / max(1, len(images) - 1)
    for i, png in enumerate(images):
        x = pdf.l_margin + i * (CHART_WIDTH_MM + gap)
        pdf.image(io.BytesIO(png), x=x, y=top, w=CHART_WIDTH_MM)
    pdf.set_y(top + height + 1)


def _key_indicators(pdf: BriefPDF, profile: CountryProfile, cite: _SourceNumbers) -> None:
    pdf.heading(f"Key indicators: {profile.name} next to Pakistan")
    latest = profile.latest
    if latest[latest["iso3"] == profile.iso3].empty:
        pdf.para(f"No indicator values recorded for {profile.name}.")
        return
    _charts(pdf, profile)
    rows = []
    for code, group in latest.groupby("indicator_code", sort=False):
        by_country = {row.iso3: row for row in group.itertuples()}
        first = group.iloc[0]
        cells = []
        for iso3 in (profile.iso3, HOME_ISO3):
            row = by_country.get(iso3)
            unit = _text(first["unit"], "")
            cells.append(f"{format_value(row.value, unit)} ({row.year})" if row else "–")
        rows.append((_text(first["indicator"], code), *cells, cite(first["source_id"])))
    pdf.grid(("Indicator (latest year)", profile.name, "Pakistan", "Ref."), rows, (86, 41, 41, 12))


def _programme_access(pdf: BriefPDF, profile: CountryProfile, cite: _SourceNumbers) -> None:
    pdf.heading("EU programme access")
    pdf.para(f"{profile.name}: {profile.horizon_status_words}.")
    access = profile.programme_access
    if access.empty:
        pdf.para("No programmes recorded.")
        return
    pdf.ln(1)
    rows = [
        (
            _text(p["name"]),
            format_value(p["budget_eur_m"], "EUR m"),
            ELIGIBILITY_WORDS.get(
                _text(p["pakistan_eligibility"]), _text(p["pakistan_eligibility"])
            ),
            _text(p["eligibility_route"]),
            cite(p["source_id"]),
        )
        for _, p in access.iterrows()
    ]
    pdf.grid(("Programme", "Budget", "For Pakistan", "Route", "Ref."), rows, (34, 20, 24, 90, 12))


def _meetings(pdf: BriefPDF, profile: CountryProfile, cite: _SourceNumbers) -> None:
    pdf.heading("Meeting history")
    if profile.meetings.empty:
        pdf.para(f"No meetings recorded with {profile.name}.")
        return
    rows = [
        (_text(m["date"]), _text(m["title"]), _text(m["type"]), cite(m["source_id"]))
        for _, m in profile.meetings.iterrows()
    ]
    pdf.grid(("Date", "Meeting", "Type", "Ref."), rows, (22, 128, 18, 12))


def _followups(pdf: BriefPDF, profile: CountryProfile, cite: _SourceNumbers) -> None:
    pdf.heading("Open follow-ups")
    if profile.open_followups.empty:
        pdf.para(f"No open follow-ups with {profile.name}.")
        return
    rows = [
        (
            _text(f["description"]),
            _text(status),
            _text(f["raised"]),
            _text(f["age_days"]),
            cite(f["source_id"]),
        )
        for status, (_, f) in zip(
            status_text(profile.open_followups), profile.open_followups.iterrows(), strict=True
        )
    ]
    pdf.grid(("Action", "Status", "Raised", "Age (days)", "Ref."), rows, (106, 20, 22, 20, 12))


def _source_date(source: pd.Series) -> str:
    """When the source was published (or "undated") and when it was last checked."""
    published = (
        "undated" if pd.isna(source["published"]) else f"published {_text(source['published'])}"
    )
    if pd.isna(source["accessed"]):
        return published
    return f"{published}; checked {_text(source['accessed'])}"


def _sources(pdf: BriefPDF, sources: pd.DataFrame) -> None:
    pdf.heading("Sources")
    if sources.empty:
        pdf.para("No sources recorded.")
        return
    for number, (_, source) in enumerate(sources.iterrows(), start=1):
        title = _text(source["title"], "")
        if ARABIC_SCRIPT.search(title):
            pdf.para(f"[{number}] {_text(source['publisher'])} ({_source_date(source)}):", 7.5)
            pdf.urdu_line(title, 8.5)
        else:
            pdf.para(
                f"[{number}] {_text(source['publisher'])} — {title} ({_source_date(source)})", 7.5
            )


def build_brief(profile: CountryProfile, as_of: date, sources: pd.DataFrame) -> bytes:
    """The country brief as PDF bytes.

    `sources` is ``sources_table(package, profile.source_ids)``: the rows the brief cites.
    """
    as_of_text = as_of.isoformat()
    pdf = BriefPDF(f"Country brief: {profile.name} — as of {as_of_text}")
    pdf.set_title(f"Country brief: {profile.name}")
    pdf.set_subject(f"Prepared for the {MINISTRY}, as of {as_of_text}")
    pdf.set_creator("S&T Partnerships Dashboard")
    pdf.add_page()
    cite = _SourceNumbers(sources)

    top = pdf.get_y()
    pdf.set_font(URDU_FONT, size=11)
    pdf.cell(0, 9, MINISTRY_URDU, align="R")
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(TEXT_FONT, "B", 19)
    pdf.cell(0, 9, f"Country brief: {profile.name}", new_x="LMARGIN", new_y="NEXT")
    dates = source_dates(sources)
    pdf.para(
        f"Prepared for the {MINISTRY}, as of {as_of_text}."
        + (f" Its sources: {dates.words()}." if dates else ""),
        9.5,
        GREY,
    )
    context = [
        _text(profile.country.get("region"), ""),
        _text(profile.country.get("income_group"), ""),
    ]
    pdf.para(" · ".join(part for part in context if part), 9.5, GREY)
    if not profile.hubs.empty:
        pdf.para("Tech hubs: " + ", ".join(profile.hubs["city"].astype(str)) + ".", 9.5)

    _headline_facts(pdf, profile, cite)
    _key_indicators(pdf, profile, cite)
    _programme_access(pdf, profile, cite)
    _meetings(pdf, profile, cite)
    _followups(pdf, profile, cite)
    _sources(pdf, sources)
    return bytes(pdf.output())
