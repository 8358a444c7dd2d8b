"""The decision values of PRODUCT.md §19 (decision_target, appeal_window) and the idle reminder,
per preset; a stored policy version from before they existed still loads (all three off)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from policy.loader import PolicyError, load_policy
from policy.schema import Policy

h, d = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("preset", "target", "window", "idle"),
    [("standard", 72 * h, 72 * h, None), ("igitems", None, None, 7 * d), ("difmark", None, None, None)],
)
def test_each_preset_sets_its_decision_values(preset, target, window, idle):
    policy = load_policy(preset)
    assert (policy.decision_target, policy.appeal_window, policy.idle_dispute_reminder_after) == (target, window, idle)


def test_an_older_stored_version_without_them_still_loads_with_them_off():
    values = load_policy("standard").as_json()
    for name in ("decision_target", "appeal_window", "idle_dispute_reminder_after"):
        values.pop(name)
    old = Policy.model_validate(values)
    assert (old.decision_target, old.appeal_window, old.idle_dispute_reminder_after) == (None, None, None)


def test_a_policy_file_may_switch_appeals_on_and_refuses_nonsense(tmp_path):
    good = tmp_path / "appeals.toml"
    good.write_text('extends = "igitems"\nappeal_window = "48h"\ndecision_target = "5d"\n')
    policy = load_policy(str(good))
    assert (policy.appeal_window, policy.decision_target) == (48 * h, 5 * d)
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "standard"\nappeal_window = "soon"\n')
    with pytest.raises(PolicyError, match="appeal_window"):
        load_policy(str(bad))
