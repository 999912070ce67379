"""The data package description: `data/datapackage.json` read into plain objects.

Follows the Frictionless Data Package / Table Schema standard for the parts the project uses:
field types (string, integer, number, boolean, date, year), constraints (required, unique,
enum, minimum, maximum, pattern), primary keys and foreign keys (``"resource": ""`` is a
reference to the same table). ``x-as-of`` is the project's own resource property: the newest
date the table's content reflects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DESCRIPTOR_NAME = "datapackage.json"


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    title: str = ""
    description: str = ""
    constraints: dict[str, Any] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required", False))


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str  # "" means this same resource
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    sources: tuple[dict[str, str], ...]
    licenses: tuple[dict[str, str], ...]
    as_of: str

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def publisher(self) -> str:
        return "; ".join(s.get("title", "") for s in self.sources if s.get("title"))

    @property
    def licence(self) -> str:
        return "; ".join(lic.get("title") or lic.get("name", "") for lic in self.licenses if lic)


@dataclass(frozen=True)
class PackageSpec:
    name: str
    title: str
    resources: tuple[Resource, ...]

    def resource(self, name: str) -> Resource:
        for res in self.resources:
            if res.name == name:
                return res
        raise KeyError(name)


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _resource_from_dict(raw: dict[str, Any]) -> Resource:
    schema = raw.get("schema", {})
    fields = tuple(
        Field(
            name=f["name"],
            type=f.get("type", "string"),
            title=f.get("title", ""),
            description=f.get("description", ""),
            constraints=dict(f.get("constraints", {})),
        )
        for f in schema.get("fields", [])
    )
    foreign_keys = tuple(
        ForeignKey(
            fields=_as_tuple(fk["fields"]),
            resource=fk["reference"].get("resource", ""),
            reference_fields=_as_tuple(fk["reference"]["fields"]),
        )
        for fk in schema.get("foreignKeys", [])
    )
    return Resource(
        name=raw["name"],
        path=raw["path"],
        title=raw.get("title", raw["name"]),
        description=raw.get("description", ""),
        fields=fields,
        primary_key=_as_tuple(schema.get("primaryKey")),
        foreign_keys=foreign_keys,
        sources=tuple(raw.get("sources", [])),
        licenses=tuple(raw.get("licenses", [])),
        as_of=str(raw.get("x-as-of", "")),
    )


def read_package_spec(data_dir: Path) -> PackageSpec:
    """Read and parse the package descriptor. Raises OSError / ValueError when unreadable."""
    raw = json.loads((data_dir / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
    return PackageSpec(
        name=raw.get("name", ""),
        title=raw.get("title", ""),
        resources=tuple(_resource_from_dict(r) for r in raw.get("resources", [])),
    )
