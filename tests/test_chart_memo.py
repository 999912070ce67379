"""Charts drawn again for the same data reuse the figure; different data gives a new one."""

from __future__ import annotations

import pandas as pd

from dashboard.charts.followups import by_status_figure


def _counts(proposed: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "status": ["proposed", "done"],
            "label": ["Proposed", "Done"],
            "actions": [proposed, 1],
        }
    )


def test_same_data_gives_the_same_figure_and_new_data_a_new_one() -> None:
    first = by_status_figure(_counts(2), title="Actions by status")
    again = by_status_figure(_counts(2), title="Actions by status")
    changed = by_status_figure(_counts(3), title="Actions by status")
    assert again is first
    assert changed is not first
    assert 3 in list(changed.data[0].x) + list(changed.data[0].y)
