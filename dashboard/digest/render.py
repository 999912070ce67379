"""A digest as people read it: the subject, a plain-text part, an HTML part and a PDF.

All three hold the same items in the same order. Text from the records arrives as text: the
HTML part escapes every value (markup in a title is shown, never run), and long titles are
cut when the digest is built (`content.shorten`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from dashboard.digest.content import Digest, DueItem
from dashboard.export.brief import GREY, TEXT_FONT, BriefPDF

PRODUCT = "S&T Partnerships Dashboard"
SECTIONS = (
    "Meetings recorded, corrected or withdrawn",
    "Follow-ups whose status changed",
    "Follow-ups due in the next 14 days",
    "Overdue follow-ups",
)
NONE_WORDS = (
    "No meeting was recorded, corrected or withdrawn in the period.",
    "No follow-up changed status in the period.",
    "Nothing is due in the next 14 days.",
    "Nothing is overdue.",
)


def subject(digest: Digest) -> str:
    return f"{PRODUCT} digest, {digest.period.describe()}: {digest.counts()}"


def _why(digest: Digest) -> str:
    frequency = digest.subscription.frequency
    return (
        f"You receive this {frequency} digest because the dashboard's administrators "
        f"subscribed {digest.subscription.email} to it."
    )


def _due_line(item: DueItem, digest: Digest, late: bool) -> str:
    when = f"due {item.due:%Y-%m-%d}"
    if late:
        when += f", {item.days_overdue(digest.today)} days overdue"
    return (
        f"{item.action} ({item.partner}) — {item.status}, owner {item.owner}; {when}; "
        f"raised {item.age_days} days ago"
    )


def _lines(digest: Digest) -> list[list[tuple[str, str | None]]]:
    """Each section's items as (text, link)."""
    return [
        [
            (f"{m.title} ({m.partner}, {m.date}): {'; '.join(m.happened)}", m.link)
            for m in digest.meetings
        ],
        [
            (
                f"{s.action} ({s.partner}): {s.change}, took effect {s.effective:%Y-%m-%d}, "
                f"recorded by {s.by}",
                s.link,
            )
            for s in digest.status_changes
        ],
        [(_due_line(item, digest, late=False), item.link) for item in digest.due_soon],
        [(_due_line(item, digest, late=True), item.link) for item in digest.overdue],
    ]


def text_body(digest: Digest, unsubscribe_url: str) -> str:
    """The plain-text part."""
    out = [
        f"{PRODUCT} — digest for {digest.period.describe()}",
        f"For: {digest.scope}",
        f"As of {digest.today:%Y-%m-%d}.",
        "",
    ]
    if digest.empty:
        out += ["Nothing changed in the period, and nothing is due or overdue.", ""]
    for title, none, items in zip(SECTIONS, NONE_WORDS, _lines(digest), strict=True):
        out += [title, "-" * len(title)]
        if not items:
            out.append(none)
        for text, link in items:
            out.append(f"- {text}")
            if link:
                out.append(f"  {link}")
        out.append("")
    out += ["--", _why(digest), f"Unsubscribe: {unsubscribe_url}", ""]
    return "\n".join(out)


def _html_item(text: str, link: str | None) -> str:
    body = escape(text)
    if link:
        body += f' <a href="{escape(link, quote=True)}">Open in the dashboard</a>'
    return f'<li style="margin:0 0 6px 0">{body}</li>'


def html_body(digest: Digest, unsubscribe_url: str) -> str:
    """The HTML part: every value escaped, links only to the app."""
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(subject(digest))}</title></head>",
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1a1f1c;line-height:1.4">',
        f'<h1 style="font-size:20px;color:#0072b2">{escape(PRODUCT)} — digest for '
        f"{escape(digest.period.describe())}</h1>",
        f"<p>For: {escape(digest.scope)}<br>As of {digest.today:%Y-%m-%d}.</p>",
    ]
    if digest.empty:
        parts.append("<p>Nothing changed in the period, and nothing is due or overdue.</p>")
    for title, none, items in zip(SECTIONS, NONE_WORDS, _lines(digest), strict=True):
        parts.append(f'<h2 style="font-size:16px;color:#0072b2">{escape(title)}</h2>')
        if not items:
            parts.append(f"<p>{escape(none)}</p>")
            continue
        parts.append("<ul>")
        parts += [_html_item(text, link) for text, link in items]
        parts.append("</ul>")
    parts += [
        '<hr><p style="font-size:12px;color:#4a545e">',
        f"{escape(_why(digest))} The attached PDF holds the same for printing.<br>",
        f'<a href="{escape(unsubscribe_url, quote=True)}">Unsubscribe</a></p>',
        "</body></html>",
    ]
    return "\n".join(parts)


def _section(
    pdf: BriefPDF,
    title: str,
    none: str,
    headings: Sequence[str],
    widths: Sequence[float],
    rows: Sequence[tuple[list[str], str | None]],
) -> None:
    pdf.heading(title)
    if not rows:
        pdf.para(none)
        return
    pdf.grid(headings, [cells for cells, _ in rows], widths, [link for _, link in rows])


def pdf_bytes(digest: Digest) -> bytes:
    """The same digest as an A4 PDF, each item's first cell linked to the app."""
    pdf = BriefPDF(f"Digest for {digest.subscription.email} — {digest.period.describe()}")
    pdf.set_title(subject(digest))
    pdf.set_creator(PRODUCT)
    pdf.add_page()
    pdf.set_font(TEXT_FONT, "B", 17)
    pdf.cell(0, 9, f"Digest for {digest.period.describe()}", new_x="LMARGIN", new_y="NEXT")
    pdf.para(f"For: {digest.scope}. As of {digest.today:%Y-%m-%d}.", 9.5, GREY)
    _section(
        pdf,
        SECTIONS[0],
        NONE_WORDS[0],
        ("Meeting", "Partner", "Date", "What happened"),
        (66, 28, 22, 64),
        [([m.title, m.partner, m.date, "; ".join(m.happened)], m.link) for m in digest.meetings],
    )
    _section(
        pdf,
        SECTIONS[1],
        NONE_WORDS[1],
        ("Action", "Partner", "Change", "Took effect", "By"),
        (66, 26, 34, 22, 32),
        [
            ([s.action, s.partner, s.change, f"{s.effective:%Y-%m-%d}", s.by], s.link)
            for s in digest.status_changes
        ],
    )
    _section(
        pdf,
        SECTIONS[2],
        NONE_WORDS[2],
        ("Action", "Partner", "Owner", "Due", "Age (days)"),
        (74, 26, 38, 22, 20),
        [
            ([i.action, i.partner, i.owner, f"{i.due:%Y-%m-%d}", str(i.age_days)], i.link)
            for i in digest.due_soon
        ],
    )
    _section(
        pdf,
        SECTIONS[3],
        NONE_WORDS[3],
        ("Action", "Partner", "Owner", "Due", "Days overdue", "Age (days)"),
        (64, 24, 32, 22, 19, 19),
        [
            (
                [
                    i.action,
                    i.partner,
                    i.owner,
                    f"{i.due:%Y-%m-%d}",
                    str(i.days_overdue(digest.today)),
                    str(i.age_days),
                ],
                i.link,
            )
            for i in digest.overdue
        ],
    )
    pdf.ln(3)
    pdf.para(_why(digest), 8, GREY)
    return bytes(pdf.output())
