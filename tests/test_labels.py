"""The labels table: words for every coded value the pages and exports show, checked against
the schema by the package's own loader and audit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dashboard.datasets.labels import code_labels
from dashboard.datasets.loader import load_package
from dashboard.datasets.profile import build_country_profile
from dashboard.export.brief import build_brief
from tests.conftest import DATA_DIR


def test_every_code_of_the_meetings_and_follow_ups_has_words() -> None:
    labels = code_labels(load_package(DATA_DIR))
    assert labels.of("meetings", "event_type")["joint_commission"] == "Joint commission"
    assert labels.of("meetings", "lead_scope")["Adjacent"] == "Another ministry (adjacent to S&T)"
    assert labels.of("followups", "action_type")["mou"] == "MoU"
    assert list(labels.of("followups", "status")) == [
        "proposed",
        "agreed",
        "in_progress",
        "done",
        "dropped",
    ]
    assert "Several days" in (labels.help("meetings", "date_precision") or "")


def _rules(data_dir: Path) -> list[tuple[str | None, str]]:
    package = load_package(data_dir, use_cache=False)
    return [(p.value, p.rule) for p in package.problems if p.file == "labels.csv"]


def test_a_code_without_words_or_words_for_no_code_are_reported(data_copy: Path) -> None:
    path = data_copy / "labels.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("meetings,event_type,launch,")]
    kept.append("meetings,event_type,party,Party,")
    kept.append("meetings,colour,red,Red,")
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert sorted(_rules(data_copy)) == [
        ("launch", "label-missing"),
        ("meetings.colour", "label-unknown-field"),
        ("party", "label-unknown-value"),
    ]


def test_the_brief_names_meeting_types_in_words() -> None:
    package = load_package(DATA_DIR)
    profile = build_country_profile(package, "ROU", today=date(2026, 11, 28))
    assert "Meeting" in set(profile.meetings["type"])
    assert not {"mou_signed", "joint_commission"} & set(profile.meetings["type"])
    assert build_brief(profile, date(2026, 11, 28), package.table("sources")).startswith(b"%PDF")
