"""The records store: meetings, their cooperation areas and sources, follow-ups and their status
history, and the sources behind them, kept current by staff in a SQL database.

The only code that talks to the database; no Streamlit here (the pages, the command line
``python -m dashboard.records`` and the tests use it alike).

Setting: ``DASHBOARD_DATABASE_URL`` (a SQLAlchemy URL); default an SQLite file in
``$XDG_STATE_HOME/st-partnerships-dashboard/`` (see ``database.default_url``).

API (stable; the pages build on it)::

    from dashboard.records import AccessRules, Identity, RecordsStore, Role
    rules = AccessRules.from_mapping(st.secrets.get("access", {}))
    me = rules.identity_for(email)    # the pages: dashboard.ui.account.current_identity()
                                      # (it also refuses a cookie_secret anyone could know)

    store = RecordsStore()            # or RecordsStore(url, data_dir)
    store.upgrade()                   # create/migrate the schema and seed from data/ (idempotent);
                                      # UpgradeFailed (one line; nothing changed) when it cannot
    store.revision() -> int           # grows with every write: key caches by it
    store.tables() -> {name: DataFrame}   # sources, meetings, meeting_areas, meeting_sources,
                                          # followups; typed as the CSV loader; withdrawn left out
    store.meeting(id) -> dict         # + version, area_ids, source_ids (main first), withdrawn_*
    store.followup(id) -> dict        # + version
    store.record_meeting(me, meeting, area_ids, source_ids, new_sources, followups,
                         new_source_is_main=False, distinct_from=()) -> meeting_id
    store.correct_meeting(me, meeting_id, changes, area_ids=None, source_ids=None,
                          expected_version=..., new_sources=(), new_source_is_main=False)
                          -> new version
    store.withdraw_meeting(me, meeting_id, reason, expected_version) -> new version   # admin
    store.restore_meeting(me, meeting_id, reason, expected_version) -> new version    # admin
    store.update_followup(me, action_id, status, effective, source_id, note,
                          expected_version, status_basis="reported") -> new version
    store.add_source(me, source) -> source_id
    store.import_csv(me, table, raw_bytes) -> rows added
    store.history(table, key), store.status_history(action_id),
    store.recent_changes(since=None, limit=200) -> DataFrame
    store.backup(path), store.restore(path) -> summary   # every table as of one snapshot;
                                      # restore into an empty database (BackupRefused otherwise)

    # The digest's subscribers (subscriptions.py; admin only, versioned, in the change log):
    store.subscriptions(include_removed=False) -> [Subscription]; store.subscription(id)
    store.add_subscription(me, email, countries, areas, frequency, always) -> id
    store.change_subscription(me, id, changes, expected_version) -> new version
    store.remove_subscription(me, id, expected_version) -> new version
    store.unsubscribe_target(token, secret), store.unsubscribe(token, secret)  # no sign-in:
                                      # a signed, expiring token (tokens.py); BadToken otherwise
    store.covered_until(id), store.claim_digest(subscription, start, end) -> send id | None,
    store.finish_digest(send_id, status), store.digest_sends()       # the send log
    store.meeting_changes(start, end), store.status_changes(start, end)   # a period's news

    with_records(package, store) -> LoadedPackage   # the package with the database's records

Errors (nothing is saved when one is raised):

- ``NotAllowed(reason)``: anonymous, or the role is too low (viewer < editor < admin).
- ``ValidationFailed(problems)``: every problem at once, each a ``dashboard.datasets.Problem``:
  ``file`` names the table (``meetings.csv``, ``followups.csv``, ``sources.csv``), ``column``
  the field (``area_ids`` for the areas list), ``line`` the position (from 1) of the follow-up /
  new source in the lists given (None or 1 for the meeting itself), ``value``, ``rule`` and a
  ``message`` to show next to the field. ``by_field()`` groups messages by field.
- ``Conflict(current, changed)``: the record changed since ``expected_version``; ``changed``
  maps each field changed meanwhile to (your value, their value); ``current`` is the record now.
- ``NotFound``: no such record (or its meeting is withdrawn).

A new meeting needs its date, partner, type, title and a source; these are checked first, and
alone (rule ``required``). Its partner is a country or an organisation (rule ``partner-kind``:
not a group of countries or a territory). A meeting with the same partner, date and title as
one recorded in the last 15 minutes is refused (rule ``duplicate-meeting``, the other's id as
the problem's value) unless its id is in ``distinct_from``.

Rules beyond the package's schema (``rules.py``): text at most 5,000 characters, with no
control character but tab and line breaks and no bidirectional override or isolate; dates
within 1901..2099; the package audit's row rules (no bare URL, a meeting's end not before its
start, an inferred status explained); known countries, areas, sources and meetings; new ids
unique; a follow-up not raised before its meeting; a status change needs a source or a note
(an ``inferred`` one always both), takes effect on or after the current status date and the
date raised, and not after today; ``closed`` follows from done/dropped. The status note is
kept in the status history (``status_history``), not in ``followups.note`` (the curators'
caveats stay as they are).

Whatever the store commits, the package check accepts on its export: an imported meeting gets
its main-source link; a write that adds links to an existing meeting (an import, seeding)
raises its version, so a form opened before is refused as stale; the pages and the export
leave out a source that no shown row cites (``package.shown_records``). A read
(``tables()``) is one snapshot: REPEATABLE READ on PostgreSQL, one transaction on SQLite.

Writes are one at a time per database (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock),
so generated ids and seeding never race between app processes.
"""

from dashboard.records.access import ANONYMOUS, AccessRules, Identity, Role
from dashboard.records.database import UpgradeFailed, database_url
from dashboard.records.package import with_records
from dashboard.records.rules import MAX_TEXT, ValidationFailed
from dashboard.records.store import Conflict, NotAllowed, NotFound, RecordsStore

__all__ = [
    "ANONYMOUS",
    "MAX_TEXT",
    "AccessRules",
    "Conflict",
    "Identity",
    "NotAllowed",
    "NotFound",
    "RecordsStore",
    "Role",
    "UpgradeFailed",
    "ValidationFailed",
    "database_url",
    "with_records",
]
