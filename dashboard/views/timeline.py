"""Meetings timeline: every event by partner on a date axis; pick one to read its details.

The chosen event travels in the URL as `event=<meeting_id>`, so the Follow-ups page (and any
shared link) can open a meeting directly.
"""

from datetime import date

import pandas as pd
import streamlit as st

from dashboard.charts.followups import actions_table
from dashboard.charts.timeline import date_text, timeline_figure
from dashboard.datasets.citations import meeting_sources_table, sources_table
from dashboard.datasets.filters import Filters
from dashboard.datasets.labels import code_labels
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.queries import followups_view, meetings_view
from dashboard.ui.account import current_identity
from dashboard.ui.calendar import calendar_download
from dashboard.ui.display import show_chart, show_table
from dashboard.ui.options import filter_options, source_picker_labels
from dashboard.ui.page import PageContext, as_of_for, page_setup
from dashboard.ui.records import followup_status_histories, record_links
from dashboard.ui.selection import selection_values
from dashboard.ui.text import plain, source_link
from dashboard.ui.view import page_part

EVENT_PARAM = "event"
EVENT_KEY = "timeline_event"
MAX_EVENTS_DRAWN = 300  # beyond this the lanes are unreadable and the chart slow to send
CHART_KEY = "timeline_chart"
DETAILS_KEY = "event_details"


def _shown(raw: str) -> str:
    return raw if len(raw) <= 40 else raw[:37] + "…"


def event_from_url(known_ids: frozenset[str]) -> str | None:
    """The meeting named by `event=` in the URL; an unknown id is dropped with a notice."""
    raw = st.query_params.get(EVENT_PARAM)
    if not raw:
        return None
    if raw in known_ids:
        return raw
    del st.query_params[EVENT_PARAM]
    st.info(
        f"Ignored the event '{plain(_shown(raw))}' from the link: no meeting has that id.",
        icon=":material/link_off:",
    )
    return None


def _on_pick() -> None:
    chosen = st.session_state.get(EVENT_KEY)
    if chosen:
        st.query_params[EVENT_PARAM] = chosen
    elif EVENT_PARAM in st.query_params:
        del st.query_params[EVENT_PARAM]


def _on_chart_select() -> None:
    clicked = selection_values(CHART_KEY, "customdata")
    if clicked:
        st.query_params[EVENT_PARAM] = clicked[0]


def _field(label: str, value: object) -> None:
    st.markdown(f"**{plain(label)}:** {plain(value) or 'not recorded'}")


def _chart_data(view: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Date": view["date"].dt.date,
            "Date precision": view["date_precision"],
            "End date": view["end_date"].dt.date,
            "Partner": view["partner"],
            "Type": view["type"],
            "Event": view["title"],
            "Place": view["location"],
            "Areas": view["areas"],
            "Meeting id": view["meeting_id"],
            "Source id": view["source_id"],
        }
    )


def show_event(ctx: PageContext, meeting_id: str, on_chart: bool) -> None:
    """Everything recorded about one event: when, where, who, what, what followed, source."""
    package = ctx.package
    signed_in = not current_identity().anonymous
    meetings = package.table("meetings")
    event = meetings[meetings["meeting_id"] == meeting_id].iloc[0]
    with st.container(border=True, key=DETAILS_KEY):
        st.subheader(plain(event["title"]) or plain(meeting_id))
        if not on_chart:
            st.caption("This event is outside the current filters, so it is not on the chart.")
        left, right = st.columns(2)
        with left:
            _field("Date", date_text(event["date"], event["date_precision"], event["end_date"]))
            if isinstance(event["date_note"], str):
                st.caption(plain(event["date_note"]))
            _field("Place", event["location"])
            _field("Partner", ctx.country_name(event["partner_iso3"]))
            words = code_labels(package)
            event_type = words.label("meetings", "event_type", event["event_type"])
            detail = event["event_type_detail"]
            _field("Type", f"{event_type} ({detail})" if isinstance(detail, str) else event_type)
        with right:
            _field("Pakistan side", event["pakistan_lead"])
            _field(f"{ctx.country_name(event['partner_iso3'])} side", event["partner_lead"])
            scope = words.label("meetings", "lead_scope", event["lead_scope"])
            detail = event["lead_scope_detail"]
            _field("Led at", f"{scope} — {detail}" if isinstance(detail, str) else scope)
        links = package.table("meeting_areas")
        area_names = filter_options(package).area_names
        discussed = [
            area_names.get(a, a) for a in links.loc[links["meeting_id"] == meeting_id, "area_id"]
        ]
        _field("Areas discussed", "; ".join(sorted(discussed)))
        _field("Outcomes", event["outcomes"])
        if isinstance(event["caveats"], str):
            _field("Caveats", event["caveats"])

        st.markdown("**Follow-up actions from this event**")
        actions = followups_view(package, Filters(), ctx.today)
        actions = actions[actions["meeting_id"] == meeting_id]
        if actions.empty:
            st.text("No follow-up actions recorded for this event.")
        else:
            table = actions_table(actions)
            show_table(
                table[["Action", "Status", "Flag", "Age (days)", "Due", "Owner", "Status as of"]],
                key="timeline_event_actions",
                file_stem=f"followups-{meeting_id}",
                package=package,
                source_ids=list(actions["source_id"].dropna())
                + list(actions["status_source_id"].dropna()),
                as_of=as_of_for(package, "followups"),
            )
            followup_status_histories(
                actions, signed_in, code_labels(package), source_picker_labels(package)
            )

        st.markdown("**Source document**")
        source = sources_table(package, [event["source_id"]])
        if source.empty:
            st.text("The source of this event is not recorded.")
        else:
            doc = source.iloc[0]
            published = doc["published"]
            when = f" ({published:%Y-%m-%d})" if not pd.isna(published) else ""
            st.markdown(f"{plain(doc['publisher'])}: *{plain(doc['title'])}*{plain(when)}")
            url = source_link(doc["url"])
            if url:
                st.link_button("Open the source document", url, icon=":material/open_in_new:")
                st.caption(plain(url))
        others = meeting_sources_table(package, meeting_id)
        others = others[others["source_id"] != event["source_id"]]
        if not others.empty:
            st.markdown("**Also reported by**")
            for doc in others.itertuples():
                published = f" ({doc.published:%Y-%m-%d})" if not pd.isna(doc.published) else ""
                supports = f" — {doc.supports}" if isinstance(doc.supports, str) else ""
                st.markdown(
                    f"- {plain(doc.publisher)}: *{plain(doc.title)}*{plain(published)}"
                    f"{plain(supports)}  \n  {plain(str(doc.url))}"
                )
        record_links(meeting_id, with_history=signed_in)


ctx = page_setup(
    "Meetings timeline",
    needs=["meetings", "meeting_areas", "followups", "sources", "cooperation_areas"],
    caption=(
        "Every meeting, visit, MoU, forum and joint commission, one lane per partner. Marker "
        "shape and colour give the type; hollow markers right of the dashed line are upcoming. "
        "Click an event, or choose it below, to read its details."
    ),
)
package = ctx.package


# A page script runs as "__main__": these names are unique among the pages, so their entries in
# the per-package memo are too.
@per_package
def meeting_ids(package: LoadedPackage) -> frozenset[str]:
    """Every meeting's id: a link's `event=` must name one."""
    return frozenset(package.table("meetings")["meeting_id"].dropna())


@per_package
def event_labels(package: LoadedPackage, options: tuple[str, ...]) -> dict[str, str]:
    """ "date · partner · title" for each event the picker offers."""
    listed = package.table("meetings").set_index("meeting_id").loc[list(options)]
    names = filter_options(package).country_names
    partner_names = listed["partner_iso3"].map(names).fillna(listed["partner_iso3"])
    return dict(
        zip(
            listed.index,
            listed["date"].dt.strftime("%Y-%m-%d").fillna("undated")
            + " · "
            + partner_names.fillna("")
            + " · "
            + listed["title"].fillna(""),
            strict=True,
        )
    )


all_ids = meeting_ids(package)


@per_package
def timeline_page_data(package: LoadedPackage, filters: Filters, today: date) -> dict[str, object]:
    """The events in the filters, the chart of the latest ones and its data, built once per
    process."""
    view = meetings_view(package, filters)
    # Newest first: the chart and the list get the latest events; the rest stay a filter away.
    drawn = view.head(MAX_EVENTS_DRAWN)
    data: dict[str, object] = {"view": view, "drawn": drawn}
    if not view.empty:
        publishers = sources_table(package, drawn["source_id"].dropna())
        publisher_of = dict(zip(publishers["source_id"], publishers["publisher"], strict=False))
        data["figure"] = timeline_figure(
            drawn.assign(source=drawn["source_id"].map(publisher_of)),
            today,
            title="Meetings, visits and agreements by partner",
        )
        data["chart_data"] = _chart_data(drawn)
    return data


page_data = timeline_page_data(package, ctx.filters, ctx.today)
view, drawn = page_data["view"], page_data["drawn"]

if view.empty:
    st.info(plain(ctx.nothing_found("meetings") + "."))
else:
    partners = view["partner"].nunique()
    st.markdown(
        f"**{len(view)} event(s)** with **{partners} partner(s)**"
        + (f": {plain(', '.join(sorted(view['partner'].unique())))}" if partners <= 5 else "")
    )
    if len(view) > MAX_EVENTS_DRAWN:
        st.caption(
            f"The chart shows the latest {MAX_EVENTS_DRAWN:,} of {len(view):,} events; narrow "
            "the country, area or period filters to see earlier ones."
        )
    show_chart(
        page_data["figure"],
        page_data["chart_data"],
        key=CHART_KEY,
        file_stem="meetings-timeline",
        package=package,
        source_ids=drawn["source_id"].dropna(),
        as_of=as_of_for(package, "meetings"),
        on_select=_on_chart_select,
    )
    calendar_download(
        f"S&T partnerships: meetings ({ctx.filters.describe(ctx.country_names)})",
        meetings=view,
        key="timeline_ics",
        file_stem="meetings",
    )


@page_part("timeline_event")
def event_details(drawn_ids: list[str]) -> None:
    """The event picker and the chosen event's details: picking one redraws this part only."""
    selected = event_from_url(all_ids)
    options = list(drawn_ids)
    if selected and selected not in options:
        options.insert(0, selected)
    if options:
        labels = event_labels(package, tuple(options))
        st.session_state[EVENT_KEY] = selected
        st.selectbox(
            "Event details",
            options,
            index=None,
            key=EVENT_KEY,
            on_change=_on_pick,
            format_func=labels.get,
            placeholder="Choose an event, or click one on the chart",
        )
    if selected:
        show_event(ctx, selected, on_chart=selected in set(drawn_ids))


event_details(list(drawn["meeting_id"]))
