"""update-wdi: indicators brought up to date from World Bank WDI downloads, on copies of data/.

The downloads are built here in the World Bank's own layouts (UTF-8 with BOM, CRLF, 4 preamble
lines with "Last Updated Date", a trailing comma on every line, one column per year; the zip
holds the data CSV plus Metadata_Indicator_… and Metadata_Country_… files), from the values in
the data copy. Values the tests change are synthetic and live only in temporary folders.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from dashboard.datasets import load_package
from dashboard.datasets.__main__ import main
from tests.conftest import DATA_DIR, FIXED_TODAY
from tests.helpers import read_rows, run_app

INTERNET = "IT.NET.USER.ZS"
INTERNET_NAME = "Individuals using the Internet (% of population)"
BROADBAND = "IT.NET.BBND.P2"
BROADBAND_NAME = "Fixed broadband subscriptions (per 100 people)"
NEW_DATE = "2026-10-15"
YEARS = [str(y) for y in range(1960, 2027)]  # 2026: a year the bundled data does not have


def _line(cells: list[str]) -> str:
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + ","


@functools.cache
def country_names() -> dict[str, str]:
    return {row[0]: row[2] for row in read_rows(DATA_DIR / "countries.csv")[1:]}


def wdi_csv(
    code: str, name: str, values: dict[str, dict[str, str]], years: list[str] = YEARS
) -> bytes:
    """A data CSV as the World Bank serves it; `values` is {iso3: {year: text}}."""
    names = country_names()
    lines = [
        _line(["Data Source", "World Development Indicators"]),
        "",
        _line(["Last Updated Date", NEW_DATE]),
        "",
        _line(["Country Name", "Country Code", "Indicator Name", "Indicator Code", *years]),
    ]
    for iso3, by_year in values.items():
        cells = [by_year.get(y, "") for y in years]
        lines.append(_line([names.get(iso3, iso3), iso3, name, code, *cells]))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def metadata_indicator(code: str, name: str, note: str, organisation: str) -> bytes:
    head = _line(["INDICATOR_CODE", "INDICATOR_NAME", "SOURCE_NOTE", "SOURCE_ORGANIZATION"])
    return ("\ufeff" + head + "\r\n" + _line([code, name, note, organisation]) + "\r\n").encode()


def metadata_country() -> bytes:
    head = _line(["Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName"])
    row = _line(["PAK", "South Asia", "Lower middle income", "", "Pakistan"])
    return ("\ufeff" + head + "\r\n" + row + "\r\n").encode()


def wdi_zip(folder: Path, code: str, data: bytes, metadata: bytes) -> Path:
    stem = f"API_{code}_DS2_en_csv_v2_12345"
    path = folder / f"{stem}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"Metadata_Indicator_{stem}.csv", metadata)
        archive.writestr(f"{stem}.csv", data)
        archive.writestr(f"Metadata_Country_{stem}.csv", metadata_country())
    return path


@pytest.fixture
def data(data_copy: Path) -> Path:
    return data_copy


def series_values(data: Path, code: str) -> dict[str, dict[str, str]]:
    """{iso3: {year: value text}} of one series in the data copy's indicators.csv."""
    out: dict[str, dict[str, str]] = {}
    for iso3, indicator, year, value in read_rows(data / "indicators.csv")[1:]:
        if indicator == code:
            out.setdefault(iso3, {})[year] = value
    return out


def revised_internet(data: Path) -> tuple[dict[str, dict[str, str]], str]:
    """The copy's internet-users series with one value revised, one removed, a year added."""
    values = series_values(data, INTERNET)
    old = values["ROU"]["2022"]
    values["ROU"]["2022"] = "86.0"
    del values["DEU"]["2010"]
    values["ROU"]["2026"] = "92.4"
    values["DEU"]["2026"] = "93.1"
    return values, old


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def update(
    capsys: pytest.CaptureFixture[str], data: Path, *args: str | Path
) -> tuple[int, str, str]:
    code = main(["update-wdi", "--data-dir", str(data), "--from", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def table(data: Path, name: str) -> list[dict[str, str]]:
    rows = read_rows(data / name)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_csv_download_revises_removes_and_adds_values_and_reports_them(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values, old = revised_internet(data)
    download = tmp_path / f"API_{INTERNET}_DS2_en_csv_v2_99.csv"
    download.write_bytes(wdi_csv(INTERNET, INTERNET_NAME, values))
    others_before = [r for r in read_rows(data / "indicators.csv") if r[1] != INTERNET]

    code, out, err = update(capsys, data, download)

    assert code == 0, err
    assert "rows added 2, removed 1, revised 1" in out
    assert "new years: 2026" in out
    assert f"ROU 2022: {old} -> 86.0" in out
    after = series_values(data, INTERNET)
    assert after["ROU"]["2022"] == "86.0"
    assert after["DEU"]["2026"] == "93.1"
    assert "2010" not in after["DEU"]
    assert [r for r in read_rows(data / "indicators.csv") if r[1] != INTERNET] == others_before

    entry = next(
        e for e in table(data, "indicator_catalogue.csv") if e["indicator_code"] == INTERNET
    )
    assert entry["last_updated"] == NEW_DATE
    source = next(s for s in table(data, "sources.csv") if s["source_id"] == "wdi-it-net-user-zs")
    assert source["accessed"] == FIXED_TODAY
    assert download.name in source["notes"]
    package = load_package(data, use_cache=False)
    assert package.errors == []
    assert package.resource("indicators").as_of == NEW_DATE
    assert package.resource("indicator_catalogue").as_of == NEW_DATE


def test_new_series_from_a_zip_joins_the_catalogue_with_its_metadata_and_source(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {"PAK": {"2023": "1.42", "2024": "1.51"}, "ROU": {"2024": "33.9"}}
    note = "Fixed broadband subscriptions refers to fixed subscriptions to high-speed access."
    organisation = "International Telecommunication Union (ITU)"
    download = wdi_zip(
        tmp_path,
        BROADBAND,
        wdi_csv(BROADBAND, BROADBAND_NAME, values),
        metadata_indicator(BROADBAND, BROADBAND_NAME, note, organisation),
    )

    code, out, err = update(capsys, data, download)

    assert code == 0, err
    assert f"{BROADBAND} — {BROADBAND_NAME}" in out
    assert "new series" in out and "rows added 3" in out
    package = load_package(data, use_cache=False)
    assert package.errors == []
    entry = package.table("indicator_catalogue").set_index("indicator_code").loc[BROADBAND]
    assert entry["name"] == BROADBAND_NAME
    assert entry["unit"] == "per 100 people"
    assert note in entry["definition"]
    assert organisation in entry["publisher"]
    source = package.table("sources").set_index("source_id").loc[entry["source_id"]]
    assert source["url"] == f"https://data.worldbank.org/indicator/{BROADBAND}"
    assert download.name in source["notes"]
    rows = package.table("indicators")
    pakistan = rows[(rows["indicator_code"] == BROADBAND) & (rows["iso3"] == "PAK")]
    assert sorted(pakistan["value"]) == [1.42, 1.51]
    cited = [s["path"] for s in package.spec.resource("indicators").sources]
    assert f"https://data.worldbank.org/indicator/{BROADBAND}" in cited

    from frictionless import validate

    report = validate(str(data / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_a_series_until_now_from_datahub_is_cited_to_wdi_after_an_update(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gdp = "NY.GDP.MKTP.CD"
    download = tmp_path / f"API_{gdp}_DS2_en_csv_v2_7.csv"
    download.write_bytes(wdi_csv(gdp, "GDP (current US$)", series_values(data, gdp)))

    code, out, err = update(capsys, data, download)

    assert code == 0, err
    assert "revised 0" in out
    package = load_package(data, use_cache=False)
    assert package.errors == []
    entry = package.table("indicator_catalogue").set_index("indicator_code").loc[gdp]
    assert entry["source_id"] == "wdi-ny-gdp-mktp-cd"
    assert "DataHub" not in entry["publisher"] and "DataHub" not in entry["definition"]
    listed = [s["path"] for s in package.spec.resource("indicators").sources]
    assert f"https://data.worldbank.org/indicator/{gdp}" in listed
    assert "https://github.com/datasets/gdp" not in listed
    assert "https://github.com/datasets/population" in listed
    # DataHub's GDP row is cited by nothing any more: removed, and the report says so.
    assert "datahub-gdp" not in set(package.table("sources")["source_id"])
    assert "source rows no longer cited, removed: datahub-gdp" in out


def test_a_folder_updates_every_indicator_in_it(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    values, _ = revised_internet(data)
    (folder / f"API_{INTERNET}_DS2_en_csv_v2_99.csv").write_bytes(
        wdi_csv(INTERNET, INTERNET_NAME, values)
    )
    wdi_zip(
        folder,
        BROADBAND,
        wdi_csv(BROADBAND, BROADBAND_NAME, {"PAK": {"2024": "1.51"}}),
        metadata_indicator(BROADBAND, BROADBAND_NAME, "Fixed subscriptions.", "ITU"),
    )

    code, out, err = update(capsys, data, folder)

    assert code == 0, err
    assert INTERNET in out and BROADBAND in out
    codes = {e["indicator_code"] for e in table(data, "indicator_catalogue.csv")}
    assert {INTERNET, BROADBAND} <= codes
    assert series_values(data, BROADBAND) == {"PAK": {"2024": "1.51"}}


def test_dry_run_prints_the_report_and_writes_nothing(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values, _ = revised_internet(data)
    download = tmp_path / "internet.csv"
    download.write_bytes(wdi_csv(INTERNET, INTERNET_NAME, values))
    before = hashes(data)

    code, out, _ = update(capsys, data, download, "--dry-run")

    assert code == 0
    assert "rows added 2, removed 1, revised 1" in out
    assert "nothing was written" in out
    assert hashes(data) == before


def _set_cell(values: dict[str, dict[str, str]], iso3: str, year: str, text: str) -> None:
    values.setdefault(iso3, {})[year] = text


def _damaged_zip(tmp_path: Path) -> Path:
    good = wdi_zip(
        tmp_path,
        BROADBAND,
        wdi_csv(BROADBAND, BROADBAND_NAME, {"PAK": {"2024": "1.51"}}),
        metadata_indicator(BROADBAND, BROADBAND_NAME, "Fixed subscriptions.", "ITU"),
    )
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    good.unlink()
    return damaged


def _csv_with(tmp_path: Path, data: Path, change, years: list[str] = YEARS) -> Path:
    values, _ = revised_internet(data)
    change(values)
    path = tmp_path / "internet.csv"
    path.write_bytes(wdi_csv(INTERNET, INTERNET_NAME, values, years))
    return path


def _duplicate_row(tmp_path: Path, data: Path) -> Path:
    path = _csv_with(tmp_path, data, lambda values: None)
    lines = path.read_bytes().split(b"\r\n")
    pakistan = next(i for i, line in enumerate(lines) if b'"PAK"' in line)
    lines.insert(pakistan + 1, lines[pakistan])
    path.write_bytes(b"\r\n".join(lines))
    return path


def _wrong_header(tmp_path: Path, data: Path) -> Path:
    path = _csv_with(tmp_path, data, lambda values: None)
    path.write_bytes(path.read_bytes().replace(b'"Country Code"', b'"Country ISO"', 1))
    return path


def _pakistan_line(path: Path) -> int:
    lines = path.read_bytes().split(b"\r\n")
    return next(i for i, line in enumerate(lines, start=1) if b'"PAK"' in line)


# name -> (make the download, expected text in the error output (may use {line}))
DAMAGE = {
    "damaged zip": (lambda tmp, data: _damaged_zip(tmp), ["damaged.zip", "cannot be read"]),
    "wrong header": (
        _wrong_header,
        ["internet.csv, line 5, column 'Country Code'", "'Country ISO'"],
    ),
    "country not in countries.csv": (
        lambda tmp, data: _csv_with(tmp, data, lambda v: _set_cell(v, "XYZ", "2020", "5")),
        ["column 'Country Code'", "'XYZ'", "countries.csv"],
    ),
    "non-numeric value": (
        lambda tmp, data: _csv_with(tmp, data, lambda v: _set_cell(v, "PAK", "2020", "n/a")),
        ["internet.csv, line {line}, column '2020'", "'n/a'"],
    ),
    "year out of range": (
        lambda tmp, data: _csv_with(
            tmp, data, lambda v: _set_cell(v, "PAK", "2031", "40"), [*YEARS, "2031"]
        ),
        ["internet.csv, line {line}, column '2031'", "above the maximum 2030"],
    ),
    "duplicate row": (
        _duplicate_row,
        ["internet.csv, line {dup}, column 'Country Code'", "duplicate row for 'PAK'"],
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_download_is_refused_with_its_place_and_data_stays_byte_for_byte(
    damage: str, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, expected = DAMAGE[damage]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = make(bad_dir, data)
    # A good download given with it is not written either: all or nothing.
    good = tmp_path / "broadband.csv"
    good.write_bytes(wdi_csv(BROADBAND, BROADBAND_NAME, {"PAK": {"2024": "1.51"}}))
    before = hashes(data)

    code, _, err = update(capsys, data, good, bad)

    assert code == 1
    line = _pakistan_line(bad) if bad.suffix == ".csv" else 0
    for text in expected:
        assert text.format(line=line, dup=line + 1) in err, err
    assert "nothing was written" in err
    assert hashes(data) == before


def test_a_write_that_fails_half_way_leaves_every_file_as_it_was(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up while the third of the four files is written: nothing is replaced."""
    values, _ = revised_internet(data)
    download = tmp_path / "internet.csv"
    download.write_bytes(wdi_csv(INTERNET, INTERNET_NAME, values))
    before = hashes(data)
    real_fsync = os.fsync
    calls = []

    def disk_full_on_third(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", disk_full_on_third)
    code, _, err = update(capsys, data, download)

    assert code == 1
    assert "No space left on device" in err and "unchanged" in err
    assert hashes(data) == before
    assert sorted(p.name for p in data.iterdir() if p.name.startswith(".")) == []


def test_every_problem_of_every_file_is_reported_at_once(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _csv_with(tmp_path, data, lambda v: _set_cell(v, "PAK", "2020", "n/a"))
    second = tmp_path / "broadband.csv"
    second.write_bytes(wdi_csv(BROADBAND, BROADBAND_NAME, {"PAK": {"2024": "lots"}}))

    code, _, err = update(capsys, data, first, second)

    assert code == 1
    assert "internet.csv" in err and "'n/a'" in err
    assert "broadband.csv" in err and "'lots'" in err


def test_app_shows_the_new_data_as_of_date_after_an_update(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data))

    def indicators_as_of(at) -> str:
        overview = next(df.value for df in at.dataframe if "Published" in df.value.columns)
        return overview.set_index("File").loc["indicators.csv", "Published"]

    at = run_app("views/sources.py")
    assert indicators_as_of(at) != NEW_DATE
    values, _ = revised_internet(data)
    download = tmp_path / "internet.csv"
    download.write_bytes(wdi_csv(INTERNET, INTERNET_NAME, values))
    assert update(capsys, data, download)[0] == 0

    # The package is cached per server process by folder; until the cache notices changed
    # files by itself, a running app is told to reload, as a maintainer does after an update.
    st.cache_resource.clear()
    at.run()
    assert not at.exception
    assert indicators_as_of(at) == NEW_DATE
