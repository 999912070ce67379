"""Readable everywhere: no chart text drawn outside its chart, no serious accessibility
violations (axe-core), no sideways scrolling on a phone. Screenshots of every page at phone
and desktop width go to test-artifacts/."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ARTIFACTS, EVERY_PAGE, IN_CI, PRESENTED_PAGES, ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 1000}

# Every plotly text element's box against its chart's box (the plotly div, clipped by the
# Streamlit element around it), in CSS pixels, 1 px of rounding allowed; and against the mode
# bar, which plotly shows over the chart's top right corner on hover (or a tap on a phone).
TEXT_OUTSIDE_JS = """
() => {
  const cut = [];
  document.querySelectorAll('[data-testid=stPlotlyChart]').forEach((holder, index) => {
    const plot = holder.querySelector('.js-plotly-plot');
    if (!plot) return;
    const a = plot.getBoundingClientRect();
    const b = holder.getBoundingClientRect();
    const box = {left: Math.max(a.left, b.left), right: Math.min(a.right, b.right),
                 top: Math.max(a.top, b.top), bottom: Math.min(a.bottom, b.bottom)};
    const title = (plot.querySelector('.gtitle') || {}).textContent || `chart ${index + 1}`;
    const bar = plot.querySelector('.modebar');
    const barBox = bar && bar.getBoundingClientRect();
    plot.querySelectorAll('svg text').forEach((node) => {
      const words = (node.textContent || '').trim();
      if (!words || node.closest('.hoverlayer')) return;
      const style = getComputedStyle(node);
      if (style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0')
        return;
      const r = node.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      if (barBox && barBox.width > 0 && r.left < barBox.right && r.right > barBox.left &&
          r.top < barBox.bottom && r.bottom > barBox.top) {
        cut.push(`${title}: "${words.slice(0, 60)}" lies under the mode bar`);
      }
      if (r.left < box.left - 1 || r.right > box.right + 1 ||
          r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        cut.push(`${title}: "${words.slice(0, 60)}" at x ${Math.round(r.left)}..` +
                 `${Math.round(r.right)}, y ${Math.round(r.top)}..${Math.round(r.bottom)}; ` +
                 `chart x ${Math.round(box.left)}..${Math.round(box.right)}, ` +
                 `y ${Math.round(box.top)}..${Math.round(box.bottom)}`);
      }
    });
  });
  return cut;
}
"""


CHARTS_DRAWN_JS = """
() => !document.querySelector('[data-testid=stMain] [data-testid=stSkeleton]') &&
      [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
        .every((c) => c.querySelector('.js-plotly-plot .main-svg'))
"""


def _screenshot_whole_page(app_page, name: str) -> None:
    """The whole page in test-artifacts/: Streamlit scrolls its main area, not the document,
    so the window is made as tall as that area for the picture."""
    page = app_page.page
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    try:
        app_page.screenshot(name)
    finally:
        page.set_viewport_size(size)


def _open_drawn(app_page, path: str) -> None:
    """Open `path` and wait until the script has finished and every chart is drawn (a chart
    is a placeholder skeleton until plotly has loaded)."""
    app_page.open(path)
    app_page.page.wait_for_function(CHARTS_DRAWN_JS, timeout=90_000)


@pytest.fixture
def sized_page(browser, app_server):
    """A fresh tab at a chosen viewport size; the WatchedPage of conftest wraps it."""
    from tests.conftest import WatchedPage

    contexts = []

    def open_at(viewport: dict[str, int]) -> WatchedPage:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return WatchedPage(page, app_server.url)

    try:
        yield open_at
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("width", [1440, 1280, 390])
def test_no_chart_text_is_drawn_outside_its_chart(sized_page, width: int) -> None:
    app_page = sized_page({"width": width, "height": 1000})
    cut: dict[str, list[str]] = {}
    for name, path in {**EVERY_PAGE, **PRESENTED_PAGES}.items():
        _open_drawn(app_page, path)
        outside = app_page.page.evaluate(TEXT_OUTSIDE_JS)
        if outside:
            cut[name] = outside
    assert cut == {}, f"chart text cut off at {width} px:\n" + json.dumps(cut, indent=1)


def test_every_page_fits_a_phone_without_sideways_scrolling(sized_page) -> None:
    app_page = sized_page(PHONE)
    too_wide = {}
    for name, path in {**EVERY_PAGE, **PRESENTED_PAGES}.items():
        _open_drawn(app_page, path)
        _screenshot_whole_page(app_page, f"phone-{name}")
        widths = app_page.page.evaluate(
            """() => [document.documentElement, document.querySelector('[data-testid=stMain]')]
                     .map((e) => [e.scrollWidth, e.clientWidth])"""
        )
        if any(scroll > visible for scroll, visible in widths):
            too_wide[name] = widths
    assert too_wide == {}, f"pages wider than the phone (scroll width, screen width): {too_wide}"


def _axe_source() -> str:
    if not AXE.exists():
        reason = f"axe-core is missing at {AXE}; run `npm ci` in tests/a11y"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def test_no_serious_accessibility_violations_on_any_page(sized_page) -> None:
    axe = _axe_source()
    app_page = sized_page(DESKTOP)
    found = {}
    for name, path in {**EVERY_PAGE, **PRESENTED_PAGES}.items():
        _open_drawn(app_page, path)
        _screenshot_whole_page(app_page, f"desktop-{name}")
        app_page.page.add_script_tag(content=axe)
        result = app_page.page.evaluate("async () => await axe.run(document)")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(str(node["target"]) for node in v["nodes"][:4])
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        if serious:
            found[name] = serious
    (ARTIFACTS / "axe.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    assert found == {}, "axe-core found serious violations:\n" + json.dumps(found, indent=1)
