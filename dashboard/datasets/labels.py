"""Words for people instead of codes: the package's labels table (``labels.csv``).

A coded field (one with an enum in ``datapackage.json``, e.g. ``meetings.event_type``) stores
codes such as ``mou_signed``; the labels table gives each code what a person reads ("MoU
signed") and, where useful, a sentence of help. The pages, the forms and the exports take
their words from here, and the package audit checks the table against the schema (rules
``label-unknown-field``, ``label-unknown-value``, ``label-missing``), so a code added to an
enum without a label is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.datasets.audit import LABELS, coded_fields
from dashboard.datasets.loader import LoadedPackage, per_package


@dataclass(frozen=True)
class CodeLabels:
    """The labels of every coded field, and the order of its codes (the schema's)."""

    labels: dict[tuple[str, str], dict[str, str]]
    descriptions: dict[tuple[str, str], dict[str, str]]
    codes: dict[tuple[str, str], list[str]]

    def of(self, resource: str, field: str) -> dict[str, str]:
        """Every code of a field with its label, in the schema's order (a code without a
        label reads as itself)."""
        named = self.labels.get((resource, field), {})
        return {code: named.get(code, code) for code in self.codes.get((resource, field), [])}

    def label(self, resource: str, field: str, code: object) -> str:
        """The label of one code ("" for a missing value; an unknown code reads as itself)."""
        if code is None or (not isinstance(code, str) and pd.isna(code)):
            return ""
        return self.labels.get((resource, field), {}).get(str(code), str(code))

    def help(self, resource: str, field: str) -> str | None:
        """Each code's label and description, as one help text for where it is chosen."""
        described = self.descriptions.get((resource, field), {})
        if not described:
            return None
        words = self.of(resource, field)
        return "  \n".join(f"**{words[code]}**: {text}" for code, text in described.items())


@per_package
def code_labels(package: LoadedPackage) -> CodeLabels:
    """The package's labels (computed once per package)."""
    codes = coded_fields(package.spec) if package.spec is not None else {}
    labels: dict[tuple[str, str], dict[str, str]] = {}
    descriptions: dict[tuple[str, str], dict[str, str]] = {}
    if package.has(LABELS):
        for row in package.table(LABELS).itertuples(index=False):
            key = (str(row.resource), str(row.field))
            labels.setdefault(key, {})[str(row.value)] = str(row.label)
            if isinstance(row.description, str) and row.description:
                descriptions.setdefault(key, {})[str(row.value)] = row.description
    return CodeLabels(labels, descriptions, codes)
