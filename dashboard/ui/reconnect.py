"""Say so when a tab has lost its server session.

Streamlit keeps each tab's session in one server process. When that process stops (a restart,
or a replica behind the proxy going down), the tab reconnects, to the same server once it is
back or through the proxy to another replica, and gets a new session there. The page keeps
showing what the person typed, so nothing looks wrong; but the new session did not know the
page's widgets when the next click arrived, so that click's callback was not run: a Save
pressed then saved nothing and showed nothing. A form whose widget keys depend on the
session's state (a count of forms saved) is also drawn again empty. The browser names the
session it had in the websocket handshake (the third entry of Sec-WebSocket-Protocol; a new
tab or a reload names none), so the first run of a session can tell a reconnected tab from a
new one."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

NOTICE = (
    "**Reconnected to the server.** If you had just pressed Save and see no confirmation, "
    "nothing was saved, and a form you were filling in may have been emptied: check it and "
    "press Save again. (A server restarted or another one took over; what you saved before is "
    "kept.)"
)
_CHECKED = "_reconnect_checked"


def previous_session_id(protocol_header: str | None) -> str | None:
    """The session the browser had before this connection, from the handshake's
    Sec-WebSocket-Protocol ("streamlit, <xsrf token>, <previous session id>"), or None."""
    entries = [entry.strip() for entry in (protocol_header or "").split(",")]
    return entries[2] if len(entries) >= 3 and entries[2] else None


def lost_session_notice() -> None:
    """On a session's first run: a lasting notice if the tab had another session before."""
    if st.session_state.get(_CHECKED):
        return
    st.session_state[_CHECKED] = True
    ctx = get_script_run_ctx()
    previous = previous_session_id(st.context.headers.get("Sec-WebSocket-Protocol"))
    if ctx is not None and previous is not None and previous != ctx.session_id:
        st.toast(NOTICE, icon=":material/sync_problem:", duration="infinite")
