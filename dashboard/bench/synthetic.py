"""A synthetic data package about 100 times today's size, for the scale benchmark only.

python -m dashboard.bench synth [--out DIR] [--scale 1.0] [--seed 0]

The package has the real ``datapackage.json`` (same schema, title marked synthetic) and
random but schema-valid CSVs whose keys are consistent, so every foreign key holds and
``python -m dashboard.datasets check DIR`` reports no errors. It is written only into the
folder given (or a new temporary folder), never into the bundled ``data/``.

Reference tables (sources, countries, indicator catalogue, programmes, cooperation areas)
start with the real rows, so ids the pages name (PAK, ROU, horizon-europe, ai…) exist; the
rest of every table is random. At ``scale=1``: 250 countries × 60 indicators × 65 years
(975,000 indicator rows), 20,000 meetings, 50,000 follow-ups, 40,000 meeting areas and
roughly 100 times today's rows in the other tables (cooperation areas 10 times: a taxonomy
of 1,900 areas would not be a realistic case). Fact and link tables scale linearly with
``scale``; indicator codes with its square root and countries so that the indicator grid
(countries × codes × years) scales linearly too.
"""

from __future__ import annotations

import json
import math
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.datasets.loader import DEFAULT_DATA_DIR
from dashboard.datasets.package import DESCRIPTOR_NAME

YEARS = range(1960, 2025)  # 65 years
FIRST_MEETING = date(2000, 1, 1)
LAST_MEETING = date(2026, 11, 28)

# Rows at scale=1 for the tables that scale linearly.
FULL_ROWS = {
    "sources": 8_000,
    "sector_facts": 2_700,
    "companies": 800,
    "tech_hubs": 1_000,
    "programmes": 2_700,
    "cooperation_areas": 190,
    "country_areas": 600,
    "programme_areas": 2_700,
    "meetings": 20_000,
    "meeting_areas": 40_000,
    "meeting_sources": 30_000,
    "followups": 50_000,
}
# Grid dimensions at scale=1 (scaled by the square root of scale).
FULL_COUNTRIES = 250
FULL_INDICATOR_CODES = 60
MIN_REFERENCE_ROWS = 3  # keeps small-scale packages usable (a filter needs choices)


def planned_rows(scale: float, real_sources: int = 80, real_labels: int = 0) -> dict[str, int]:
    """Rows each table will have at `scale` (1.0 = the full benchmark size); the labels of
    coded values are the real ones."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    root = math.sqrt(scale)
    rows = {name: max(1, round(full * scale)) for name, full in FULL_ROWS.items()}
    rows["sources"] = max(real_sources, rows["sources"])
    rows["programmes"] = max(MIN_REFERENCE_ROWS, rows["programmes"])
    rows["cooperation_areas"] = max(MIN_REFERENCE_ROWS, rows["cooperation_areas"])
    codes = max(MIN_REFERENCE_ROWS, round(FULL_INDICATOR_CODES * root))
    grid = FULL_COUNTRIES * FULL_INDICATOR_CODES * len(YEARS) * scale
    rows["indicator_catalogue"] = codes
    rows["countries"] = max(10, round(grid / (codes * len(YEARS))))
    rows["indicators"] = rows["countries"] * rows["indicator_catalogue"] * len(YEARS)
    rows["labels"] = real_labels
    return rows


def _read_real(real_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(real_dir / f"{name}.csv", dtype=str, keep_default_na=False)


def _random_dates(rng: np.random.Generator, n: int, start: date, end: date) -> pd.Series:
    days = rng.integers(0, (end - start).days + 1, size=n)
    return pd.Series(pd.Timestamp(start) + pd.to_timedelta(days, unit="D"))


def _iso(dates: pd.Series) -> pd.Series:
    """ISO dates as text, empty where missing."""
    return dates.dt.strftime("%Y-%m-%d").fillna("")


def _bools(rng: np.random.Generator, n: int, p_true: float) -> np.ndarray:
    return np.where(rng.random(n) < p_true, "true", "false")


def _pick(rng: np.random.Generator, pool, n: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), size=n)]


def _sometimes_blank(rng: np.random.Generator, values, p_blank: float) -> np.ndarray:
    values = np.asarray(values, dtype=object)
    return np.where(rng.random(len(values)) < p_blank, "", values)


def _unique_pairs(
    rng: np.random.Generator, left: np.ndarray, right: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """`n` distinct (left, right) combinations, drawn without replacement."""
    total = len(left) * len(right)
    picks = np.sort(rng.choice(total, size=min(n, total), replace=False))
    return left[picks // len(right)], right[picks % len(right)]


def _enum(spec: dict, table: str, column: str) -> list[str]:
    for res in spec["resources"]:
        if res["name"] == table:
            for fld in res["schema"]["fields"]:
                if fld["name"] == column:
                    return list(fld["constraints"]["enum"])
    raise KeyError(f"{table}.{column}")


def _sources(real: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    extra = n - len(real)
    ids = [f"synthetic-{i:05d}" for i in range(extra)]
    synthetic = pd.DataFrame(
        {
            "source_id": ids,
            "publisher": [f"Synthetic publisher {i % 50}" for i in range(extra)],
            "title": [f"Synthetic source {i}" for i in range(extra)],
            "url": [f"https://example.org/synthetic/{i}" for i in range(extra)],
            "published": _iso(_random_dates(rng, extra, FIRST_MEETING, LAST_MEETING)),
            "accessed": LAST_MEETING.isoformat(),
            "licence": "CC-BY-4.0",
            "notes": "Synthetic benchmark row",
        }
    )
    return pd.concat([real, synthetic], ignore_index=True)


def _countries(real: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first `n` real countries: Pakistan, the partners, other countries, aggregates."""
    order = (
        (real["iso3"] != "PAK").astype(int) * 4
        + (real["is_partner"] != "true").astype(int) * 2
        + (real["kind"] == "aggregate").astype(int)
    )
    picked = real.assign(_order=order).sort_values(["_order", "iso3"], kind="stable").head(n)
    if len(picked) < n:
        raise ValueError(f"only {len(real)} real countries to draw {n} from")
    return picked.drop(columns="_order").sort_values("iso3").reset_index(drop=True)


def _indicator_catalogue(
    real: pd.DataFrame, n: int, source_ids: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    if n <= len(real):
        return real.head(n).reset_index(drop=True)
    extra = n - len(real)
    synthetic = pd.DataFrame(
        {
            "indicator_code": [f"SYN.IND.{i:03d}" for i in range(extra)],
            "name": [f"Synthetic indicator {i}" for i in range(extra)],
            "unit": _pick(rng, ["%", "current US$", "per million people", "number"], extra),
            "definition": "Random values for the scale benchmark",
            "publisher": "Synthetic publisher",
            "last_updated": _iso(_random_dates(rng, extra, date(2020, 1, 1), LAST_MEETING)),
            "source_id": _pick(rng, source_ids, extra),
        }
    )
    return pd.concat([real, synthetic], ignore_index=True)


def _indicators(iso3: np.ndarray, codes: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    years = np.array(YEARS)
    grid_iso3 = np.repeat(iso3, len(codes) * len(years))
    grid_codes = np.tile(np.repeat(codes, len(years)), len(iso3))
    grid_years = np.tile(years, len(iso3) * len(codes))
    values = np.round(rng.lognormal(mean=3, sigma=2, size=len(grid_iso3)), 4)
    return pd.DataFrame(
        {"iso3": grid_iso3, "indicator_code": grid_codes, "year": grid_years, "value": values}
    )


def _programmes(
    real: pd.DataFrame, n: int, spec: dict, source_ids: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    kept = real.head(n).copy()
    kept.loc[~kept["parent_id"].isin(kept["programme_id"]), "parent_id"] = ""
    extra = n - len(kept)
    if extra <= 0:
        return kept.reset_index(drop=True)
    levels = ["programme", "pillar", "cluster", "component", "objective"]
    ids = [f"syn-prog-{i:05d}" for i in range(extra)]
    parent, level, parent_at = [], [], []
    for i in range(extra):
        # every 30th is a new top-level programme; the others hang under an earlier
        # synthetic programme that is not yet at the deepest level
        candidates = [j for j in range(max(0, i - 30), i) if level[j] != levels[-1]]
        if i % 30 == 0 or not candidates:
            parent.append("")
            level.append(levels[0])
            parent_at.append(-1)
        else:
            j = candidates[int(rng.integers(0, len(candidates)))]
            parent.append(ids[j])
            level.append(levels[levels.index(level[j]) + 1])
            parent_at.append(j)
    start = rng.integers(2000, 2028, size=extra)
    synthetic = pd.DataFrame(
        {
            "programme_id": ids,
            "parent_id": parent,
            "level": level,
            "name": [f"Synthetic programme {i}" for i in range(extra)],
            "budget_eur_m": _sometimes_blank(
                rng, _budgets(rng.uniform(1, 5000, extra), parent_at), 0.2
            ),
            "budget_comparator": _pick(rng, _enum(spec, "programmes", "budget_comparator"), extra),
            "period_start": start,
            "period_end": start + rng.integers(1, 8, size=extra),
            "pakistan_eligibility": _pick(
                rng, _enum(spec, "programmes", "pakistan_eligibility"), extra
            ),
            "eligibility_route": "Synthetic route",
            "eligibility_source_id": _sometimes_blank(rng, _pick(rng, source_ids, extra), 0.5),
            "source_id": _pick(rng, source_ids, extra),
            "note": "",
        }
    )
    return pd.concat([kept, synthetic], ignore_index=True)


def _budgets(drawn: np.ndarray, parent_at: list[int]) -> np.ndarray:
    """Budgets in EUR m (one decimal) whose parts never add up to more than the whole, as the
    package check requires: a top-level programme gets its `drawn` value (1-5,000), a part a
    share of its parent's budget (`drawn` / 5,000 of 90 % of the parent's, split among the
    parent's parts), every value rounded down."""
    parents = np.asarray([j for j in parent_at if j >= 0], dtype=np.intp)
    parts = np.bincount(parents, minlength=len(drawn))
    budget = np.empty(len(drawn))
    for i, j in enumerate(parent_at):  # a parent comes before its parts
        budget[i] = drawn[i] if j < 0 else budget[j] * 0.9 * drawn[i] / 5000 / parts[j]
    return np.floor(budget * 10) / 10


def _cooperation_areas(
    real: pd.DataFrame, n: int, source_ids: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    if n <= len(real):
        return real.head(n).reset_index(drop=True)
    extra = n - len(real)
    synthetic = pd.DataFrame(
        {
            "area_id": [f"syn-area-{i:03d}" for i in range(extra)],
            "name": [f"Synthetic area {i}" for i in range(extra)],
            "description": "Random area for the scale benchmark",
            "in_founding_release": _bools(rng, extra, 0.1),
            "source_id": _pick(rng, source_ids, extra),
        }
    )
    return pd.concat([real, synthetic], ignore_index=True)


def _meetings(
    n: int, spec: dict, iso3: np.ndarray, source_ids: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    dates = _random_dates(rng, n, FIRST_MEETING, LAST_MEETING)
    partner = _sometimes_blank(rng, _pick(rng, iso3, n), 0.05)
    precision = _pick(rng, _enum(spec, "meetings", "date_precision"), n)
    end = dates + pd.to_timedelta(rng.integers(1, 6, size=n), unit="D")
    iso_dates = _iso(dates)
    return pd.DataFrame(
        {
            "meeting_id": [
                f"{d}-{p or 'XXX'}-{i:05d}"
                for i, (d, p) in enumerate(zip(iso_dates, partner, strict=True))
            ],
            "date": iso_dates,
            "date_precision": precision,
            "date_note": "",
            "end_date": np.where(precision == "range", _iso(end), ""),
            "partner_iso3": partner,
            "event_type": _pick(rng, _enum(spec, "meetings", "event_type"), n),
            "event_type_detail": "",
            "title": [f"Synthetic meeting {i}" for i in range(n)],
            "pakistan_lead": _pick(rng, [f"Official {k}" for k in range(40)], n),
            "partner_lead": _pick(rng, [f"Counterpart {k}" for k in range(200)], n),
            "location": _pick(rng, ["Islamabad", "Lahore", "Karachi", "abroad", ""], n),
            "lead_scope": _pick(rng, _enum(spec, "meetings", "lead_scope"), n),
            "lead_scope_detail": "",
            "outcomes": "Synthetic outcome text for the scale benchmark.",
            "source_id": _pick(rng, source_ids, n),
            "caveats": "",
        }
    )


def _followups(
    n: int,
    spec: dict,
    meetings: pd.DataFrame,
    area_ids: np.ndarray,
    source_ids: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    which = rng.integers(0, len(meetings), size=n)
    raised = pd.to_datetime(meetings["date"].to_numpy()[which])
    status = _pick(rng, _enum(spec, "followups", "status"), n)
    closed = raised + pd.to_timedelta(rng.integers(10, 700, size=n), unit="D")
    is_closed = np.isin(status, ["done", "dropped"])
    due = raised + pd.to_timedelta(rng.integers(30, 366, size=n), unit="D")
    as_of = np.where(is_closed, closed, raised + pd.to_timedelta(rng.integers(0, 400, n), "D"))
    resolved = _sometimes_blank(rng, _pick(rng, meetings["meeting_id"].to_numpy(), n), 0.9)
    basis = _pick(rng, _enum(spec, "followups", "status_basis"), n)
    inferred = basis == "inferred"  # an inferred status names its evidence and says why
    return pd.DataFrame(
        {
            "action_id": [f"fu-{i:06d}" for i in range(n)],
            "meeting_id": meetings["meeting_id"].to_numpy()[which],
            "iso3": meetings["partner_iso3"].to_numpy()[which],
            "area_id": _sometimes_blank(rng, _pick(rng, area_ids, n), 0.3),
            "description": [f"Synthetic follow-up action {i}" for i in range(n)],
            "action_type": _pick(rng, _enum(spec, "followups", "action_type"), n),
            "status": status,
            "owner": _sometimes_blank(rng, _pick(rng, [f"Desk {k}" for k in range(30)], n), 0.3),
            "raised": _iso(pd.Series(raised)),
            "due": _sometimes_blank(rng, _iso(pd.Series(due)), 0.4),
            "closed": np.where(is_closed, _iso(pd.Series(closed)), ""),
            "status_as_of": _iso(pd.Series(pd.to_datetime(as_of))),
            "status_source_id": np.where(
                inferred,
                _pick(rng, source_ids, n),
                _sometimes_blank(rng, _pick(rng, source_ids, n), 0.5),
            ),
            "status_basis": basis,
            "resolved_by_meeting_id": np.where(status == "done", resolved, ""),
            "source_id": _pick(rng, source_ids, n),
            "note": np.where(inferred, "Synthetic: status inferred for the benchmark", ""),
        }
    )


def _fact_tables(
    rows: dict[str, int],
    spec: dict,
    iso3: np.ndarray,
    source_ids: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, pd.DataFrame]:
    n_facts, n_companies, n_hubs = rows["sector_facts"], rows["companies"], rows["tech_hubs"]
    return {
        "sector_facts": pd.DataFrame(
            {
                "fact_id": [f"fact-{i:05d}" for i in range(n_facts)],
                "iso3": _pick(rng, iso3, n_facts),
                "topic": _pick(rng, ["IT sector size", "IT workforce", "Startups"], n_facts),
                "statement": [f"Synthetic statement {i}" for i in range(n_facts)],
                "value": np.round(rng.uniform(0, 1000, n_facts), 2),
                "unit": _pick(rng, ["% of GDP", "people", "companies"], n_facts),
                "comparator": _pick(rng, _enum(spec, "sector_facts", "comparator"), n_facts),
                "period": _pick(rng, [str(y) for y in range(2015, 2026)], n_facts),
                "as_of": _iso(_random_dates(rng, n_facts, date(2015, 1, 1), LAST_MEETING)),
                "source_id": _pick(rng, source_ids, n_facts),
                "unverified": "",
                "note": "",
            }
        ),
        "companies": pd.DataFrame(
            {
                "company_id": [f"company-{i:05d}" for i in range(n_companies)],
                "iso3": _pick(rng, iso3, n_companies),
                "name": [f"Synthetic company {i}" for i in range(n_companies)],
                "sector": _pick(rng, ["technology", "telecom", "fintech"], n_companies),
                "presence": _pick(rng, _enum(spec, "companies", "presence"), n_companies),
                "description": "Synthetic company",
                "valuation_usd_bn_min": _sometimes_blank(
                    rng, np.round(rng.uniform(0, 50, n_companies), 2), 0.5
                ),
                "note": "",
                "source_id": _pick(rng, source_ids, n_companies),
            }
        ),
        "tech_hubs": pd.DataFrame(
            {
                "hub_id": [f"hub-{i:05d}" for i in range(n_hubs)],
                "iso3": _pick(rng, iso3, n_hubs),
                "city": [f"Synthetic city {i}" for i in range(n_hubs)],
                "kind": "tech hub",
                "description": "Synthetic hub",
                "lat": np.round(rng.uniform(-60, 70, n_hubs), 4),
                "lon": np.round(rng.uniform(-180, 180, n_hubs), 4),
                "source_id": _pick(rng, source_ids, n_hubs),
                "coord_source_id": _pick(rng, source_ids, n_hubs),
            }
        ),
    }


def _link_tables(
    rows: dict[str, int],
    spec: dict,
    iso3: np.ndarray,
    area_ids: np.ndarray,
    programme_ids: np.ndarray,
    meeting_ids: np.ndarray,
    main_source_ids: np.ndarray,
    source_ids: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, pd.DataFrame]:
    ca_iso3, ca_area = _unique_pairs(rng, iso3, area_ids, rows["country_areas"])
    pa_prog, pa_area = _unique_pairs(rng, programme_ids, area_ids, rows["programme_areas"])
    ma_meeting, ma_area = _unique_pairs(rng, meeting_ids, area_ids, rows["meeting_areas"])
    # Every meeting's main source is listed, then other sources up to the planned rows.
    extra = rows["meeting_sources"] - len(meeting_ids)
    drawn_meeting, drawn_source = _unique_pairs(
        rng, meeting_ids, source_ids, max(0, extra) + len(meeting_ids)
    )
    main = set(zip(meeting_ids, main_source_ids, strict=True))
    other = [pair not in main for pair in zip(drawn_meeting, drawn_source, strict=True)]
    ms_meeting = np.concatenate([meeting_ids, drawn_meeting[other][: max(0, extra)]])
    ms_source = np.concatenate([main_source_ids, drawn_source[other][: max(0, extra)]])
    return {
        "country_areas": pd.DataFrame(
            {
                "iso3": ca_iso3,
                "area_id": ca_area,
                "relation": "expertise",
                "source_id": _pick(rng, source_ids, len(ca_iso3)),
                "note": "",
            }
        ),
        "programme_areas": pd.DataFrame(
            {
                "programme_id": pa_prog,
                "area_id": pa_area,
                "basis": _pick(rng, _enum(spec, "programme_areas", "basis"), len(pa_prog)),
                "source_id": _pick(rng, source_ids, len(pa_prog)),
                "note": "",
            }
        ),
        "meeting_areas": pd.DataFrame({"meeting_id": ma_meeting, "area_id": ma_area}),
        "meeting_sources": pd.DataFrame(
            {"meeting_id": ms_meeting, "source_id": ms_source, "supports": "outcomes"}
        ),
    }


def _refuse_bundled_data(out_dir: Path) -> None:
    bundled = DEFAULT_DATA_DIR.resolve()
    target = out_dir.resolve()
    if target == bundled or bundled in target.parents:
        raise ValueError(f"refusing to write synthetic data into the bundled {bundled}")


def generate(
    out_dir: Path | str | None = None,
    scale: float = 1.0,
    seed: int = 0,
    real_dir: Path | None = None,
) -> tuple[Path, dict[str, int]]:
    """Write a synthetic package into `out_dir` (a new temporary folder if None).

    Returns the folder and the rows written per table.
    """
    real_dir = real_dir or DEFAULT_DATA_DIR
    out = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="dashboard-synthetic-"))
    _refuse_bundled_data(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    spec = json.loads((real_dir / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
    real_sources = _read_real(real_dir, "sources")
    real_labels = _read_real(real_dir, "labels")
    rows = planned_rows(scale, real_sources=len(real_sources), real_labels=len(real_labels))

    tables: dict[str, pd.DataFrame] = {}
    tables["sources"] = _sources(real_sources, rows["sources"], rng)
    tables["labels"] = real_labels
    source_ids = tables["sources"]["source_id"].to_numpy()
    tables["countries"] = _countries(_read_real(real_dir, "countries"), rows["countries"])
    iso3 = tables["countries"]["iso3"].to_numpy()
    tables["indicator_catalogue"] = _indicator_catalogue(
        _read_real(real_dir, "indicator_catalogue"),
        rows["indicator_catalogue"],
        source_ids,
        rng,
    )
    codes = tables["indicator_catalogue"]["indicator_code"].to_numpy()
    tables["indicators"] = _indicators(iso3, codes, rng)
    tables.update(_fact_tables(rows, spec, iso3, source_ids, rng))
    tables["programmes"] = _programmes(
        _read_real(real_dir, "programmes"), rows["programmes"], spec, source_ids, rng
    )
    tables["cooperation_areas"] = _cooperation_areas(
        _read_real(real_dir, "cooperation_areas"), rows["cooperation_areas"], source_ids, rng
    )
    area_ids = tables["cooperation_areas"]["area_id"].to_numpy()
    tables["meetings"] = _meetings(rows["meetings"], spec, iso3, source_ids, rng)
    tables.update(
        _link_tables(
            rows,
            spec,
            iso3,
            area_ids,
            tables["programmes"]["programme_id"].to_numpy(),
            tables["meetings"]["meeting_id"].to_numpy(),
            tables["meetings"]["source_id"].to_numpy(),
            source_ids,
            rng,
        )
    )
    tables["followups"] = _followups(
        rows["followups"], spec, tables["meetings"], area_ids, source_ids, rng
    )

    newest_source = str(tables["sources"]["published"].replace("", None).dropna().max())
    for res in spec["resources"]:
        res["x-as-of"] = max(res.get("x-as-of", ""), newest_source)
        columns = [f["name"] for f in res["schema"]["fields"]]
        frame = tables[res["name"]][columns]
        frame.to_csv(out / res["path"], index=False, lineterminator="\n", encoding="utf-8")
    spec["title"] = f"SYNTHETIC benchmark data (scale {scale:g}) — {spec.get('title', '')}"
    (out / DESCRIPTOR_NAME).write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return out, {name: len(frame) for name, frame in tables.items()}
