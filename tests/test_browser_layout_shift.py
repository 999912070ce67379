"""Nothing jumps while a page loads on a slow connection: tables and headline figures are drawn
by scripts the browser fetches after the first paint, and the page keeps their place
meanwhile, so the text a reader has started on stays where it is."""

from __future__ import annotations

import time

import pytest

from tests.conftest import WatchedPage

# Streamlit's scripts for tables and metrics, loaded when the first one is drawn.
LATE_SCRIPTS = ("**/DataFrame.*.js", "**/Metric.*.js")
LATE_BY_S = 1.5
# Sum of layout-shift scores (as Lighthouse's CLS, without its session windows); a table that
# pushes the page down by its own height scores about 0.4.
SHIFT_LIMIT = 0.05
OBSERVE_SHIFTS = """
(() => {
  window.__shifts = [];
  new PerformanceObserver(list => {
    for (const entry of list.getEntries())
      if (!entry.hadRecentInput) window.__shifts.push(entry.value);
  }).observe({ type: 'layout-shift', buffered: true });
})();
"""


@pytest.mark.parametrize("path", ["/", "/country?country=ROU", "/followups", "/sources"])
def test_a_page_does_not_jump_when_its_tables_and_figures_load_late(
    browser, app_server, path: str
) -> None:
    context = browser.new_context(viewport={"width": 412, "height": 823})
    try:
        page = context.new_page()
        page.add_init_script(OBSERVE_SHIFTS)

        def late(route) -> None:
            time.sleep(LATE_BY_S)
            route.continue_()

        for pattern in LATE_SCRIPTS:
            page.route(pattern, late)
        app_page = WatchedPage(page, app_server.url)
        app_page.open(path)
        page.locator("[data-testid=stDataFrame], [data-testid=stMetric]").first.wait_for()
        page.wait_for_timeout(1000)  # what is left to draw after the first table or figure
        shifts = page.evaluate("window.__shifts")
        assert sum(shifts) < SHIFT_LIMIT, f"{path}: the page jumped by {shifts}"
        app_page.assert_clean()
    finally:
        context.close()
