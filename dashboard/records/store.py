"""The records store: the only code that reads and writes the records database.

Every write function takes the caller's Identity and refuses anyone below the role it needs
(NotAllowed), validates every row by the package's rules (ValidationFailed, nothing saved),
runs as one transaction that also bumps the revision counter and appends to the change log,
and refuses an edit made on a stale version (Conflict, nothing overwritten).

One module per concern, each a part of `RecordsStore`: ``base`` (connections, errors, change
log, roles), ``schema`` (migrations and seeding), ``reading``, ``followups``, ``meetings``
(which records a meeting's follow-ups through ``followups``), ``importing``, ``backup``,
``subscriptions`` (the digest's subscribers and send log); the rules every write passes are in
``rules``.
"""

from __future__ import annotations

from dashboard.records.backup import Backup
from dashboard.records.base import Conflict, NotAllowed, NotFound
from dashboard.records.importing import Importing
from dashboard.records.meetings import MeetingWrites
from dashboard.records.reading import Reading
from dashboard.records.schema import Schema, SeedReport
from dashboard.records.subscriptions import Subscriptions

__all__ = ["Conflict", "NotAllowed", "NotFound", "RecordsStore", "SeedReport"]


class RecordsStore(Schema, Reading, MeetingWrites, Importing, Backup, Subscriptions):
    """Meetings, their areas and sources, follow-ups and sources in a SQL database.

    `url`: a SQLAlchemy URL (default: DASHBOARD_DATABASE_URL or the embedded SQLite file);
    `data_dir`: the data package whose curated tables records refer to and whose record
    tables seed the database (default: DASHBOARD_DATA_DIR or the bundled data/).
    """
