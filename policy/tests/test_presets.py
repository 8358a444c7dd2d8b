"""The presets carry the numbers of PRODUCT.md §9, and a broken policy file stops Parley with a
message naming the file, the field and the problem."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from policy.loader import PRESET_NAMES, PolicyError, load_policy
from policy.schema import Policy

PROJECT_ROOT = Path(__file__).resolve().parents[2]

m = timedelta(minutes=1)
h = timedelta(hours=1)
d = timedelta(days=1)

# PRODUCT.md §9, row by row: (field, standard, igitems, difmark). None: the timer is off.
TABLE: list[tuple[str, object, object, object]] = [
    ("min_order_age", 15 * m, 15 * m, timedelta(0)),
    ("guarantee_window", 72 * h, 72 * h, 72 * h),
    ("seller_response_due", 48 * h, None, 48 * h),
    ("escalation_available_after", 24 * h, 24 * h, 72 * h),
    ("auto_escalate_after", 72 * h, None, 72 * h),
    ("info_request_due", 7 * d, 7 * d, 7 * d),
    ("max_seller_keep_on_return", 50, 50, 50),
    ("ticket_first_response_target", 4 * h, 4 * h, 4 * h),
    ("ticket_autoclose_after", 7 * d, 7 * d, 7 * d),
    ("reminder_before_deadline", 12 * h, 12 * h, 12 * h),
    ("return_ship_due", 3 * d, 3 * d, 3 * d),
    ("return_receive_due", 3 * d, 3 * d, 3 * d),
    ("redelivery_due", 48 * h, 48 * h, 48 * h),
    ("buyer_fee_percent", Decimal(5), Decimal(5), Decimal(5)),
    ("buyer_fee_minimum", Decimal("0.30"), Decimal("0.30"), Decimal("0.30")),
    ("seller_commission_percent", Decimal(0), Decimal(0), Decimal(0)),
]


@pytest.mark.parametrize(("field", "standard", "igitems", "difmark"), TABLE, ids=[row[0] for row in TABLE])
def test_each_preset_has_the_values_of_the_product_table(field, standard, igitems, difmark):
    for preset, expected in zip(PRESET_NAMES, (standard, igitems, difmark), strict=True):
        assert getattr(load_policy(preset), field) == expected, f"{preset}.{field}"


def test_seller_silence_action_escalates_where_the_seller_has_a_deadline():
    # igitems has no seller deadline ("—" in the table), so its silence action never applies.
    assert load_policy("standard").seller_silence_action == "escalate"
    assert load_policy("difmark").seller_silence_action == "escalate"
    assert load_policy("igitems").seller_response_due is None


def test_difmark_names_the_escalated_state_as_difmark_does_and_only_the_buyer_escalates():
    difmark = load_policy("difmark")
    assert difmark.escalated_label == "Involvement of the administration"
    assert difmark.escalation_parties == ["buyer"]
    assert load_policy("standard").escalation_parties == ["buyer", "seller"]
    assert load_policy("igitems").escalation_parties == ["buyer", "seller"]


def test_presets_are_named_after_themselves_and_trade_in_usd():
    for name in PRESET_NAMES:
        policy = load_policy(name)
        assert policy.name == name
        assert "USD" in policy.currencies


def test_a_file_that_extends_a_preset_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "marketplace.toml"
    path.write_text('extends = "difmark"\nguarantee_window = "96h"\nbuyer_fee_percent = "3.5"\n')

    policy = load_policy(str(path))

    assert policy.guarantee_window == 96 * h
    assert policy.buyer_fee_percent == Decimal("3.5")
    assert policy.escalated_label == "Involvement of the administration"  # from difmark
    assert policy.info_request_due == 7 * d  # from standard, through difmark
    assert policy.name == "marketplace"


def test_a_relative_extends_is_read_next_to_the_file_not_from_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "base.toml").write_text('extends = "igitems"\nredelivery_due = "4d"\n')
    (tmp_path / "site.toml").write_text('extends = "base.toml"\nguarantee_window = "80h"\n')
    monkeypatch.chdir(PROJECT_ROOT)

    policy = load_policy(str(tmp_path / "site.toml"))

    assert (policy.redelivery_due, policy.guarantee_window) == (4 * d, 80 * h)
    assert policy.seller_response_due is None  # igitems, two levels down


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ('colour = "blue"', "colour", "Extra inputs are not permitted"),
        ('guarantee_window = "three days"', "guarantee_window", "is not a duration"),
        ('min_order_age = "15 minutes"', "min_order_age", "is not a duration"),
        ('guarantee_window = "none"', "guarantee_window", "cannot be switched off"),
        ('max_seller_keep_on_return = "lots"', "max_seller_keep_on_return", "valid integer"),
        ("max_seller_keep_on_return = 150", "max_seller_keep_on_return", "less than or equal to 100"),
        ('escalation_parties = ["admin"]', "escalation_parties", "'buyer' or 'seller'"),
        ('seller_silence_action = "shrug"', "seller_silence_action", "'escalate' or 'refund_buyer'"),
        ('currencies = ["USD", "XBT"]', "currencies", "unknown currencies ['XBT']"),
        ("extends = 7", "extends", "must be a preset name or a path"),
        ('guarantee_window = "48h"', "guarantee_window", "must be at least 72h"),
    ],
)
def test_a_broken_policy_file_is_refused_naming_file_field_and_problem(tmp_path, body, field, problem):
    path = tmp_path / "broken.toml"
    path.write_text(('extends = "standard"\n' if not body.startswith("extends") else "") + body + "\n")

    with pytest.raises(PolicyError) as exc:
        load_policy(str(path))

    message = str(exc.value)
    assert str(path) in message
    assert field in message
    assert problem in message
    assert "\n" not in message


def test_invalid_toml_and_missing_files_are_policy_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("guarantee_window = \n")
    with pytest.raises(PolicyError, match=r"bad\.toml: not valid TOML"):
        load_policy(str(bad))
    with pytest.raises(PolicyError, match="no such preset"):
        load_policy(str(tmp_path / "missing.toml"))


def test_extends_that_loops_back_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(PolicyError, match="loops back"):
        load_policy(str(tmp_path / "a.toml"))


def test_a_policy_survives_its_stored_json_form():
    # Orders pin a policy version stored as JSON; reading it back must give the same rules.
    for name in PRESET_NAMES:
        policy = load_policy(name)
        assert Policy.model_validate(policy.as_json()) == policy


@pytest.mark.parametrize("command", [["manage.py", "check"], ["-m", "parley.cli", "check"]])
def test_start_up_with_a_broken_policy_stops_with_one_clear_line(tmp_path, command):
    path = tmp_path / "bad.toml"
    path.write_text('extends = "standard"\nguarantee_window = "soon"\n')
    env = {
        **os.environ,
        "PARLEY_POLICY": str(path),
        "DJANGO_SETTINGS_MODULE": "parley.test_settings",
    }

    result = subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert str(path) in lines[0]
    assert "guarantee_window" in lines[0]
    assert "'soon' is not a duration" in lines[0]
