"""The digest: what is due and what changed, by email, for each subscriber's countries and areas.

``python -m dashboard.digest send`` (see ``__main__``) sends each subscriber one email: the
meetings recorded, corrected or withdrawn in the period (the change log), the follow-ups whose
status changed (the status history), the follow-ups due in the next 14 days and the overdue
ones, each linked to its view in the app, with the same content as a PDF attachment and an
unsubscribe link. No Streamlit here:

- ``content``: the digest of one subscriber and period, from the records and the package;
- ``render``: its subject, plain text, HTML and PDF;
- ``mail``: the email message, and sending it over SMTP (``DASHBOARD_SMTP_URL``);
- ``send``: which period is due for whom, the send log, one outcome per subscriber.

Subscriptions and the send log live in the records database (``dashboard.records``).
"""
