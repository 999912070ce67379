#!/usr/bin/env python3
"""Build the mechanical tables of data/ from the raw files gathered in ../shared.

Maintainer script (plain Python + pandas). It reads ``/work/shared/data/raw`` (or the
directory given with ``--raw``) and writes, in ``data/``:

* ``countries.csv``            every ISO 3166 entry, World Bank economies not in ISO,
                               World Bank aggregates, with EU / Horizon Europe status;
* ``indicator_catalogue.csv``  one row per indicator series;
* ``indicators.csv``           long form: iso3, indicator_code, year, value.

The hand-curated tables (sources.csv, sector_facts.csv, ...) are *not* written here;
this script only checks that the source ids it uses exist in ``data/sources.csv``.

Values are copied as the text the source holds, so no precision is lost or added.
The app never reads ../shared; only this script does.

Usage:  python tools/curate_from_shared.py [--raw /work/shared/data/raw] [--out data]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

import pandas as pd

from dashboard.datasets.wdi import parse_wdi_csv

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------
# Curated rules (each traceable to a row of data/sources.csv)
# --------------------------------------------------------------------------------------

# The 27 EU Member States (source: eurostat-eu-glossary).
EU_MEMBERS = {
    "AUT",
    "BEL",
    "BGR",
    "HRV",
    "CYP",
    "CZE",
    "DNK",
    "EST",
    "FIN",
    "FRA",
    "DEU",
    "GRC",
    "HUN",
    "IRL",
    "ITA",
    "LVA",
    "LTU",
    "LUX",
    "MLT",
    "NLD",
    "POL",
    "PRT",
    "ROU",
    "SVK",
    "SVN",
    "ESP",
    "SWE",
}

# Countries associated to Horizon Europe: the list of 2024-11-21 (sciencebusiness-2024-11-21)
# plus Switzerland (sbfi-2025-11-10) and Egypt (ec-egypt-horizon-association).
ASSOCIATED_2024 = {
    "ALB": "",
    "ARM": "",
    "BIH": "",
    "FRO": "",
    "GEO": "",
    "ISL": "",
    "ISR": "",
    "XKX": "",
    "MDA": "",
    "MNE": "",
    "MKD": "",
    "NOR": "",
    "SRB": "",
    "TUN": "",
    "TUR": "",
    "UKR": "",
    "GBR": " (excluding the EIC Accelerator)",
    "CAN": " (Pillar II only)",
    "NZL": " (Pillar II only)",
    "KOR": " (Pillar II only)",
}
ASSOCIATED_LATER = {
    "CHE": (
        "Associated to Horizon Europe: agreement signed 2025-11-10, applied retroactively "
        "from 2025-01-01",
        "sbfi-2025-11-10",
    ),
    "EGY": (
        "Associated to Horizon Europe: association agreement signed 2025-10-22",
        "ec-egypt-horizon-association",
    ),
}
# Excluded by name from automatic eligibility of low/middle-income countries.
EXCLUDED_LMIC = {"BRA": "Brazil", "RUS": "Russia", "IND": "India", "CHN": "China", "MEX": "Mexico"}
ELIGIBLE_INCOME = {"Low income", "Lower middle income", "Upper middle income"}
EU_MS_BY_ISO2 = {"FR": "France", "NL": "the Netherlands", "DK": "Denmark", "FI": "Finland"}

# Region and income group of wb_country_metadata.csv: the classification in effect from
# 2025-07-01 (the file's notes: "Since July 1, 2025, Afghanistan and Pakistan are classified ...").
WB_CLASSIFICATION = "wb-classification-fy2026"

# Partners of the meetings timeline (shared/reference/events.csv) plus Romania.
EXTRA_PARTNERS = {"ROU", "EUU"}

# CLDR display names that are abbreviations: use official_name_en instead.
CLDR_ABBREVIATED = {"GBR", "USA", "BIH"}

# WDI per-indicator files: file -> (unit, source_id)
WDI_FILES = {
    "wb_gdp_per_capita_usd.csv": ("current US$", "wdi-ny-gdp-pcap-cd"),
    "wb_hightech_exports_pct_manufactured.csv": (
        "% of manufactured exports",
        "wdi-tx-val-tech-mf-zs",
    ),
    "wb_ict_service_exports_pct_services.csv": ("% of service exports", "wdi-bx-gsr-ccis-zs"),
    "wb_ict_service_exports_usd.csv": ("current US$", "wdi-bx-gsr-ccis-cd"),
    "wb_internet_users_pct.csv": ("% of population", "wdi-it-net-user-zs"),
    "wb_journal_articles.csv": ("articles", "wdi-ip-jrn-artc-sc"),
    "wb_patent_applications_resident.csv": ("applications", "wdi-ip-pat-resd"),
    "wb_researchers_per_million.csv": ("per million people", "wdi-sp-pop-scie-rd-p6"),
    "wb_rnd_expenditure_pct_gdp.csv": ("% of GDP", "wdi-gb-xpd-rsdv-gd-zs"),
}
# DataHub long-form files: file -> (code, name, unit, publisher, source_id, datapackage)
DATAHUB_FILES = {
    "datasets_gdp.csv": (
        "NY.GDP.MKTP.CD",
        "GDP (current US$)",
        "current US$",
        "World Bank and OECD (via DataHub datasets/gdp)",
        "datahub-gdp",
        "datasets_gdp.datapackage.json",
    ),
    "datasets_population.csv": (
        "SP.POP.TOTL",
        "Population, total",
        "people",
        "World Bank (via DataHub datasets/population)",
        "datahub-population",
        "datasets_population.datapackage.json",
    ),
}


def read_wdi(path: Path) -> tuple[pd.DataFrame, str]:
    """The wide table of a WDI per-indicator CSV (text cells) and its Last Updated Date."""
    table, problems = parse_wdi_csv(path.read_bytes(), path.name)
    if table is None:
        raise SystemExit("\n".join(problem.describe() for problem in problems))
    return table.frame, table.last_updated


# --------------------------------------------------------------------------------------
# countries
# --------------------------------------------------------------------------------------


def horizon(iso3: str, income: str, kind: str, is_independent: str) -> tuple[str, str, str]:
    """Return (horizon_status, horizon_basis, horizon_source_id)."""
    if kind == "aggregate":
        return "", "", ""
    if kind == "union":
        return (
            "",
            "The European Union itself; its 27 Member States take part in Horizon Europe "
            "as members",
            "eurostat-eu-glossary",
        )
    if iso3 in EU_MEMBERS:
        return "member", "EU Member State", "eurostat-eu-glossary"
    if iso3 in ASSOCIATED_2024:
        return (
            "associated",
            "Associated to Horizon Europe (list as of 2024-11-21)" + ASSOCIATED_2024[iso3],
            "sciencebusiness-2024-11-21",
        )
    if iso3 in ASSOCIATED_LATER:
        basis, sid = ASSOCIATED_LATER[iso3]
        return "associated", basis, sid
    m = re.match(r"(Part of|Territory of) (FR|NL|DK|FI)$", is_independent)
    if m:
        return (
            "",
            f"{is_independent.split(' of ')[0]} of {EU_MS_BY_ISO2[m.group(2)]} "
            "(an EU Member State). EU outermost regions and overseas countries and territories "
            "linked to Member States are eligible for Horizon Europe funding, but which category "
            "applies is not curated here: status left empty",
            "innovationisrael-he-eligible",
        )
    if iso3 in EXCLUDED_LMIC:
        return (
            "not_automatically_eligible",
            f"{income} (World Bank), but {EXCLUDED_LMIC[iso3]} is excluded by name "
            "(Brazil, Russia, India, China, Mexico) from the automatic eligibility of "
            "low- and middle-income countries",
            "innovationisrael-he-eligible",
        )
    if income in ELIGIBLE_INCOME:
        return (
            "eligible_third_country",
            f"{income} (World Bank) — low- and middle-income countries are automatically "
            "eligible for Horizon Europe funding (except Brazil, Russia, India, China, Mexico)",
            "innovationisrael-he-eligible",
        )
    if income == "High income":
        basis = (
            "High income (World Bank), not an EU Member State or associated country — "
            "not automatically eligible for Horizon Europe funding"
        )
        sid = "innovationisrael-he-eligible"
        if iso3 == "JPN":
            basis += (
                "; Japan is NOT yet associated: association negotiations concluded, announced "
                "2025-12-22 (Pillar II only), signature expected in 2026; rechecked 2026-12-03: "
                "no signature found"
            )
            sid = "librarylearningspace-2025-12-23-japan"
        return "not_automatically_eligible", basis, sid
    return (
        "",
        "No World Bank income classification in wb_country_metadata.csv, and not an "
        "EU Member State or associated country: the rule cannot be applied, status left empty",
        "wb-country-metadata",
    )


def build_countries(raw: Path, partners: set[str], aggregate_codes: set[str]) -> pd.DataFrame:
    cc = pd.read_csv(raw / "datasets_country-codes.csv", dtype=str, keep_default_na=False)
    meta = pd.read_csv(
        raw / "wb_country_metadata.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    meta = meta.loc[:, [c for c in meta.columns if not c.startswith("Unnamed")]]
    wb = meta.set_index("Country Code")

    rows = []
    for _, r in cc.iterrows():
        iso3 = r["ISO3166-1-Alpha-3"].strip()
        name = r["CLDR display name"].strip()
        if not name or iso3 in CLDR_ABBREVIATED:
            name = r["official_name_en"].strip() or r["UNTERM English Short"].strip()
        region = wb.at[iso3, "Region"] if iso3 in wb.index else ""
        income = wb.at[iso3, "IncomeGroup"] if iso3 in wb.index else ""
        rows.append(
            dict(
                iso3=iso3,
                iso2=r["ISO3166-1-Alpha-2"].strip(),
                name=name,
                kind="country",
                region=region,
                income_group=income,
                is_independent=r["is_independent"],
                source_id="datahub-country-codes",
            )
        )
    iso = {r["iso3"] for r in rows}

    for code, r in wb.iterrows():
        if code in iso:
            continue
        if r["Region"]:  # an economy with a region: a country not in ISO 3166 (XKX, CHI)
            rows.append(
                dict(
                    iso3=code,
                    iso2="",
                    name=r["TableName"],
                    kind="country",
                    region=r["Region"],
                    income_group=r["IncomeGroup"],
                    is_independent="",
                    source_id="wb-country-metadata",
                )
            )
        elif code in aggregate_codes:
            if code == "EUU":
                rows.append(
                    dict(
                        iso3=code,
                        iso2="",
                        name="European Union",
                        kind="union",
                        region="",
                        income_group="",
                        is_independent="",
                        source_id="wb-country-metadata",
                    )
                )
            else:
                rows.append(
                    dict(
                        iso3=code,
                        iso2="",
                        name=r["TableName"],
                        kind="aggregate",
                        region="",
                        income_group="",
                        is_independent="",
                        source_id="wb-country-metadata",
                    )
                )

    df = pd.DataFrame(rows)
    classified = (df["region"] != "") | (df["income_group"] != "")
    df["classification_source_id"] = classified.map({True: WB_CLASSIFICATION, False: ""})
    df["eu_member"] = df["iso3"].isin(EU_MEMBERS)
    hz = [horizon(r.iso3, r.income_group, r.kind, r.is_independent) for r in df.itertuples()]
    df["horizon_status"] = [h[0] for h in hz]
    df["horizon_basis"] = [h[1] for h in hz]
    df["horizon_source_id"] = [h[2] for h in hz]
    df["is_partner"] = df["iso3"].isin(partners | EXTRA_PARTNERS)
    missing = (partners | EXTRA_PARTNERS) - set(df["iso3"])
    if missing:
        raise SystemExit(f"partners without a countries row: {sorted(missing)}")
    cols = [
        "iso3",
        "iso2",
        "name",
        "kind",
        "region",
        "income_group",
        "eu_member",
        "horizon_status",
        "horizon_basis",
        "is_partner",
        "source_id",
        "horizon_source_id",
        "classification_source_id",
    ]
    return (
        df[cols]
        .sort_values(
            ["kind", "iso3"],
            key=lambda s: (
                s if s.name != "kind" else s.map({"country": 0, "union": 1, "aggregate": 2})
            ),
        )
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------------------
# indicators
# --------------------------------------------------------------------------------------


def build_indicators(raw: Path, country_codes: set[str]):
    cat, longs = [], []
    for fname, (unit, sid) in WDI_FILES.items():
        df, updated = read_wdi(raw / fname)
        code = df["Indicator Code"].iloc[0]
        name = df["Indicator Name"].iloc[0]
        assert df["Indicator Code"].nunique() == 1, fname
        cat.append(
            dict(
                indicator_code=code,
                name=name,
                unit=unit,
                definition=f"{name}. World Bank World Development Indicators series {code}; "
                "full definition and methodology on the World Bank's indicator page (the source)",
                publisher="World Bank (World Development Indicators)",
                last_updated=updated,
                source_id=sid,
            )
        )
        years = [c for c in df.columns if re.fullmatch(r"\d{4}", c)]
        m = df.melt(id_vars=["Country Code"], value_vars=years, var_name="year", value_name="value")
        m["value"] = m["value"].str.strip()
        m = m[m["value"] != ""]
        m = m.rename(columns={"Country Code": "iso3"})
        m["indicator_code"] = code
        longs.append(m)

    for fname, (code, name, unit, publisher, sid, dp) in DATAHUB_FILES.items():
        updated = json.loads((raw / dp).read_text(encoding="utf-8"))["last_updated"]
        df = pd.read_csv(raw / fname, dtype=str, keep_default_na=False)
        df = df[df["Value"].str.strip() != ""]
        cat.append(
            dict(
                indicator_code=code,
                name=name,
                unit=unit,
                definition=f"{name}. World Bank series {code} as republished by DataHub; "
                "definition on the World Bank's indicator page",
                publisher=publisher,
                last_updated=updated,
                source_id=sid,
            )
        )
        longs.append(
            pd.DataFrame(
                dict(
                    iso3=df["Country Code"],
                    year=df["Year"],
                    value=df["Value"].str.strip(),
                    indicator_code=code,
                )
            )
        )
    ind = pd.concat(longs, ignore_index=True)
    dropped = ind[~ind["iso3"].isin(country_codes)]
    if len(dropped):
        print(
            f"note: {len(dropped)} values for codes not in countries dropped: "
            f"{sorted(dropped['iso3'].unique())}",
            file=sys.stderr,
        )
    ind = ind[ind["iso3"].isin(country_codes)]
    ind["year"] = ind["year"].astype(int)
    dup = ind.duplicated(["iso3", "indicator_code", "year"])
    if dup.any():
        raise SystemExit(f"duplicate indicator keys: {ind[dup].head()}")
    ind = ind[["iso3", "indicator_code", "year", "value"]].sort_values(
        ["indicator_code", "iso3", "year"]
    )
    return pd.DataFrame(cat).sort_values("indicator_code"), ind


def write_csv(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = out[c].map({True: "true", False: "false"})
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    print(f"wrote {path} ({len(out)} rows)")


SPEC_DOC = ROOT / "docs" / "DATA_SPEC.md"
SPEC_BEGIN = "<!-- field table: generated by tools/curate_from_shared.py from datapackage.json -->"
SPEC_END = "<!-- end of generated field table -->"


def _field_text(field: dict, references: dict[str, str]) -> str:
    cons = field.get("constraints", {})
    parts = [field.get("type", "string")]
    parts += [key for key in ("required", "unique") if cons.get(key)]
    if "enum" in cons:
        parts.append("enum " + "/".join(str(v) for v in cons["enum"]))
    if "pattern" in cons:
        parts.append(f"pattern `{cons['pattern']}`")
    if "minimum" in cons or "maximum" in cons:
        parts.append(f"{cons.get('minimum', '')}..{cons.get('maximum', '')}")
    if field["name"] in references:
        parts.append(f"FK {references[field['name']]}")
    return f"{field['name']} ({'; '.join(parts)})"


def spec_table(descriptor: dict) -> str:
    """The field table of docs/DATA_SPEC.md, written from datapackage.json."""
    lines = ["| resource | primary key | columns (type; constraints) |", "|---|---|---|"]
    for res in descriptor["resources"]:
        schema = res["schema"]
        references = {}
        for fk in schema.get("foreignKeys", []):
            fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
            target = fk["reference"].get("resource") or res["name"]
            for name in fields:
                references[name] = target
        key = schema.get("primaryKey", [])
        key = ", ".join(key) if isinstance(key, list) else key
        columns = ", ".join(_field_text(f, references) for f in schema["fields"])
        lines.append(f"| {res['name']} | {key} | {columns} |")
    return "\n".join([SPEC_BEGIN, *lines, SPEC_END])


def write_spec_table(descriptor: dict, doc: Path = SPEC_DOC) -> None:
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(SPEC_BEGIN), text.index(SPEC_END) + len(SPEC_END)
    doc.write_text(text[:start] + spec_table(descriptor) + text[end:], encoding="utf-8")


def refresh_descriptor(out: Path) -> None:
    """Rewrite each resource's ``sources`` list and ``x-as-of`` in datapackage.json from the
    source rows its tables cite: x-as-of is the newest ``published`` date among them, so it
    is never set by hand (the package check reports it when it falls behind)."""
    sys.path.insert(0, str(ROOT))
    from dashboard.datasets.audit import SOURCES, cited_source_ids, newest_cited_date
    from dashboard.datasets.loader import load_package

    package = load_package(out, use_cache=False)
    if package.spec is None:
        raise SystemExit(f"{out / 'datapackage.json'} cannot be read")
    sources = package.table(SOURCES).set_index("source_id")
    descriptor_path = out / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    for raw in descriptor["resources"]:
        name = raw["name"]
        newest = newest_cited_date(package.tables, package.spec, name)
        if newest is not None:
            raw["x-as-of"] = newest.date().isoformat()
        ids = cited_source_ids(package.tables, package.spec, name) & set(sources.index)
        if ids:
            listed = [
                {
                    "title": f"{sources.at[i, 'publisher']}: {sources.at[i, 'title']}",
                    "path": sources.at[i, "url"],
                }
                for i in ids
            ]
            raw["sources"] = sorted(listed, key=lambda s: (s["title"].casefold(), s["path"]))
    dates = [r["x-as-of"] for r in descriptor["resources"] if r.get("x-as-of")]
    descriptor["x-as-of"] = max(dates)
    text = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    descriptor_path.write_text(text, encoding="utf-8")
    if out.resolve() == (ROOT / "data").resolve():
        write_spec_table(descriptor)
    print(f"wrote {descriptor_path} (sources and x-as-of of every resource)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--raw", type=Path, default=Path("/work/shared/data/raw"))
    ap.add_argument("--events", type=Path, default=Path("/work/shared/reference/events.csv"))
    ap.add_argument("--out", type=Path, default=ROOT / "data")
    ap.add_argument(
        "--descriptor",
        action="store_true",
        help="only refresh the sources lists and x-as-of dates of datapackage.json",
    )
    a = ap.parse_args(argv)
    if a.descriptor:
        refresh_descriptor(a.out)
        return 0

    partners = set(pd.read_csv(a.events, dtype=str)["partner_iso3"].dropna())
    # World Bank aggregate codes appearing in the wb_*.csv files. An aggregate is a code that
    # wb_country_metadata.csv lists without a region. "INX" (Not classified) appears in the
    # WDI files with no value at all and is not in the metadata: it is left out.
    agg_codes: set[str] = set()
    meta = pd.read_csv(
        a.raw / "wb_country_metadata.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    aggregates_meta = set(meta.loc[meta["Region"] == "", "Country Code"])
    for fname in WDI_FILES:
        df, _ = read_wdi(a.raw / fname)
        agg_codes |= set(df["Country Code"]) & aggregates_meta

    countries = build_countries(a.raw, partners, agg_codes)
    catalogue, indicators = build_indicators(a.raw, set(countries["iso3"]))

    sources = set(pd.read_csv(a.out / "sources.csv", dtype=str)["source_id"])
    used = (
        set(countries["source_id"])
        | set(countries["horizon_source_id"])
        | set(countries["classification_source_id"])
        | set(catalogue["source_id"])
    )
    missing = used - sources - {""}
    if missing:
        raise SystemExit(f"source ids missing from sources.csv: {sorted(missing)}")

    write_csv(countries, a.out / "countries.csv")
    write_csv(catalogue, a.out / "indicator_catalogue.csv")
    write_csv(indicators, a.out / "indicators.csv")
    refresh_descriptor(a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
