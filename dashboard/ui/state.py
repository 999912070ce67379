"""Session-state keys shared by the UI modules (one place, so no two modules collide)."""

WIDGET_KEYS = {
    "country": "flt_country",
    "area": "flt_area",
    "programme": "flt_programme",
    "from": "flt_from",
    "to": "flt_to",
}
FILTERS_STATE = "_filters"  # this run's Filters, set by the entrypoint's filter_sidebar
VIEW_STATE = "_view"  # this run's View: what the page has shown, for exports and slides
VIEW_PARTS_STATE = "_view_parts"  # PageParts: what each part of the page recorded last
PRESENT_STATE = "_present"
SLIDE_STATE = "_slide"  # the slide shown in presentation mode
URL_NOTICES_STATE = "_url_notices"  # notices about URL values that were dropped
RUN_PACKAGE_STATE = "_run_package"  # the package this run shows (ui.page.package_for_this_run)
