"""A view as a 16:9 slide deck: a title slide, then one chart per slide with its source line.

Type is at least 18 pt so that it can be read from the back of a room. When a chart cannot be
rendered, its slide says why and shows the first rows of the data behind it instead.
"""

from __future__ import annotations

import io

import pandas as pd
import plotly.graph_objects as go
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from dashboard.charts.theme import FIGURE_LOCK, SOURCE_ANNOTATION
from dashboard.export.images import charts_missing_note, render_png
from dashboard.export.model import View, ViewItem

SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
BLANK_LAYOUT = 6
# Rendered small and placed large, so the chart's own 16 px type prints at about 16 pt.
CHART_PX = (780, 390)
PICTURE_TOP = Inches(1.25)
PICTURE_BOTTOM = Inches(6.4)
TABLE_ROWS = 8
TABLE_COLUMNS = 5
INK = RGBColor(0x1A, 0x1F, 0x1C)
GREY = RGBColor(0x4A, 0x54, 0x5E)
ACCENT = RGBColor(0x00, 0x72, 0xB2)


def _text_box(slide, left, top, width, height, lines: list[tuple[str, int, bool, RGBColor]]):
    """A word-wrapped text box; each line is (text, size in pt, bold, colour)."""
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, (text, size, bold, colour) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = colour
    return frame


def _title_slide(deck, view: View) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    charts = len(view.charts)
    contents = f"{charts} chart{'s' if charts != 1 else ''}" if charts else "No charts in this view"
    dates = view.dates
    _text_box(
        slide,
        MARGIN,
        Inches(2.2),
        SLIDE_WIDTH - 2 * MARGIN,
        Inches(3.5),
        [
            (view.title, 44, True, INK),
            (f"Filters: {view.filters}", 24, False, GREY),
            (f"Prepared as of {view.as_of}", 24, False, GREY),
            *([(f"Sources: {dates.words()}", 24, False, GREY)] if dates else []),
            (contents, 20, False, GREY),
        ],
    )


def _print_figure(item: ViewItem) -> go.Figure:
    """A copy without its title and source note: the slide prints both, larger."""
    with FIGURE_LOCK:
        copy = go.Figure(item.figure)
        kept = [note for note in copy.layout.annotations if note.name != SOURCE_ANNOTATION]
        copy.update_layout(title_text=None, annotations=kept, margin_t=24, margin_b=72)
    return copy


def _cell_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def _data_table(slide, data: pd.DataFrame, top: Emu) -> None:
    shown = data.iloc[:TABLE_ROWS, :TABLE_COLUMNS]
    rows, cols = len(shown) + 1, max(1, len(shown.columns))
    height = PICTURE_BOTTOM - top
    table = slide.shapes.add_table(
        rows, cols, MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, min(height, Inches(0.42) * rows)
    ).table
    for c, column in enumerate(shown.columns):
        table.cell(0, c).text = str(column)
        for r, value in enumerate(shown[column], start=1):
            table.cell(r, c).text = _cell_text(value)
    for cell in (table.cell(r, c) for r in range(rows) for c in range(cols)):
        for paragraph in cell.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(18)


def _chart_slide(deck, item: ViewItem) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    _text_box(
        slide,
        MARGIN,
        Inches(0.3),
        SLIDE_WIDTH - 2 * MARGIN,
        Inches(0.9),
        [(item.title, 32, True, ACCENT)],
    )
    png, reason = render_png(_print_figure(item), width=CHART_PX[0], height=CHART_PX[1])
    if png is not None:
        height = PICTURE_BOTTOM - PICTURE_TOP
        width = int(height * CHART_PX[0] / CHART_PX[1])
        left = int((SLIDE_WIDTH - width) / 2)
        slide.shapes.add_picture(io.BytesIO(png), left, PICTURE_TOP, width, height)
    else:
        shown, total = min(len(item.data), TABLE_ROWS), len(item.data)
        note = f"{charts_missing_note(reason)} The data instead: first {shown} of {total} rows."
        _text_box(
            slide,
            MARGIN,
            PICTURE_TOP,
            SLIDE_WIDTH - 2 * MARGIN,
            Inches(1.0),
            [(note, 18, False, GREY)],
        )
        _data_table(slide, item.data, PICTURE_TOP + Inches(1.1))
    _text_box(
        slide,
        MARGIN,
        Inches(6.5),
        SLIDE_WIDTH - 2 * MARGIN,
        Inches(0.9),
        [(item.source, 18, False, GREY)],
    )


def build_deck(view: View) -> bytes:
    """The view as PPTX bytes: a title slide, then one slide per chart."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    deck.core_properties.title = view.title
    _title_slide(deck, view)
    for item in view.charts:
        _chart_slide(deck, item)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
