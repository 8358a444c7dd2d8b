"""The settlement split (T3 in the reliability notes): whatever the price, fee rule and refund,
the four parts are never negative and add up to exactly what escrow holds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.money import Money, share
from policy import rules
from policy.loader import PRESET_NAMES, PolicyError, load_policy

PRESETS = {name: load_policy(name) for name in PRESET_NAMES}


@st.composite
def settlements(draw: st.DrawFn) -> tuple[object, Money, Money, int]:
    policy = PRESETS[draw(st.sampled_from(PRESET_NAMES))]
    # Also policies with a seller commission (every preset has 0 %), in steps of 0.5 %.
    commission = Decimal(draw(st.integers(0, 200))) / 2
    policy = policy.model_copy(update={"seller_commission_percent": commission})
    currency = draw(st.sampled_from(policy.currencies))
    price = Money(draw(st.integers(1, 10**9)), currency)
    fee = rules.buyer_fee(policy, price)
    refund = draw(st.one_of(st.integers(0, price.amount), st.sampled_from([0, price.amount])))
    return policy, price, fee, refund


@given(settlements())
@example((PRESETS["standard"], Money(1, "USD"), Money(30, "USD"), 1))
@example((PRESETS["standard"], Money(3, "USD"), Money(30, "USD"), 1))
@example((PRESETS["standard"], Money(999_999_999, "USD"), Money(50_000_000, "USD"), 499_999_999))
def test_the_split_is_exact_and_never_negative(case):
    policy, price, fee, refund = case

    split = rules.settlement_split(policy, price=price, fee=fee, buyer_refund=refund)

    parts = (split.buyer_refund, split.fee_refund, split.seller_payout, split.platform_fee)
    assert all(part.amount >= 0 for part in parts), split
    assert all(part.currency == price.currency for part in parts)
    assert split.total == price + fee
    assert split.buyer_refund.amount == refund
    assert split.fee_refund.amount == share(fee.amount, refund, price.amount)
    seller_gross = price.amount - refund
    commission = share(seller_gross, policy.seller_commission_percent, 100)
    assert split.seller_payout.amount == seller_gross - commission
    assert split.platform_fee.amount == fee.amount - split.fee_refund.amount + commission


@given(settlements())
def test_no_refund_pays_the_seller_and_a_full_refund_returns_everything(case):
    policy, price, fee, _ = case
    none = rules.settlement_split(policy, price=price, fee=fee, buyer_refund=0)
    full = rules.settlement_split(policy, price=price, fee=fee, buyer_refund=price.amount)

    assert none.to_buyer.amount == 0
    assert none.platform_fee.amount >= fee.amount
    assert full.to_buyer == price + fee
    assert (full.seller_payout.amount, full.platform_fee.amount) == (0, 0)


def test_fee_refund_rounds_half_up_per_line():
    policy = PRESETS["standard"]
    # 1 of 2 cents refunded on a 0.05 fee: 2.5 cents rounds up to 3, the platform keeps 2.
    split = rules.settlement_split(policy, price=Money(2, "USD"), fee=Money(5, "USD"), buyer_refund=1)
    assert (split.fee_refund.amount, split.platform_fee.amount) == (3, 2)
    # 1 of 3: 1.67 rounds to 2; 0.3 rounds to 0.
    assert rules.settlement_split(
        policy, price=Money(3, "USD"), fee=Money(5, "USD"), buyer_refund=1
    ).fee_refund.amount == share(5, 1, 3)
    assert share(5, 1, 3) == 2


@pytest.mark.parametrize("refund", [-1, 101])
def test_a_refund_outside_zero_to_price_is_refused(refund):
    with pytest.raises(ValueError, match="between 0 and the price"):
        rules.settlement_split(PRESETS["standard"], price=Money(100, "USD"), fee=Money(30, "USD"), buyer_refund=refund)


@pytest.mark.parametrize(
    ("price", "fee"),
    [(1, 30), (599, 30), (600, 30), (601, 30), (610, 31), (100_00, 5_00), (19_99, 1_00)],
)
def test_buyer_fee_is_five_percent_half_up_with_a_minimum(price, fee):
    assert rules.buyer_fee(PRESETS["standard"], Money(price, "USD")) == Money(fee, "USD")


def test_a_fee_minimum_a_currency_cannot_express_is_refused_when_the_policy_loads(tmp_path):
    # 0.30 yen does not exist: such a policy would fail on every order, so it must not load.
    path = tmp_path / "yen.toml"
    path.write_text('extends = "standard"\ncurrencies = ["JPY"]\n')
    with pytest.raises(PolicyError, match=r"buyer_fee_minimum 0\.30 cannot be expressed in JPY"):
        load_policy(str(path))
    path.write_text('extends = "standard"\ncurrencies = ["JPY"]\nbuyer_fee_minimum = "30"\n')
    assert rules.buyer_fee(load_policy(str(path)), Money(100, "JPY")) == Money(30, "JPY")


@given(price=st.integers(1, 10**9), keep=st.integers(0, 100))
@example(price=1, keep=50)
@example(price=3, keep=50)
@example(price=10_001, keep=50)
def test_on_a_return_the_seller_never_keeps_more_than_the_agreed_share(price, keep):
    refund = rules.return_refund(PRESETS["standard"], price=Money(price, "USD"), seller_keep_percent=keep)
    kept = price - refund
    assert 0 <= refund <= price
    assert kept * 100 <= price * keep  # at most the share, to the cent
    assert (kept + 1) * 100 > price * keep  # and less than a cent below it


def test_half_of_three_cents_refunds_two():
    assert rules.return_refund(PRESETS["standard"], price=Money(3, "USD"), seller_keep_percent=50) == 2
    assert rules.return_refund(PRESETS["standard"], price=Money(1, "USD"), seller_keep_percent=50) == 1
