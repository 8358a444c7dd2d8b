"""The people and listings a benchmark phase works with, made through the real actions."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from catalog import actions as catalog
from catalog.models import Listing
from core.money import Money
from payments.actions import deposit

PRICE = 100_00  # USD 100.00; the standard preset adds a 5 % buyer fee
FUNDING = 900_000_00  # per buyer; the sandbox provider refuses single deposits above 1,000,000.00


@dataclass(frozen=True, slots=True)
class Cast:
    buyers: list[User]
    sellers: list[User]
    listings: list[Listing]  # one per seller

    def buyer(self, i: int) -> User:
        return self.buyers[i % len(self.buyers)]

    def listing(self, i: int) -> Listing:
        return self.listings[i % len(self.listings)]


def _person(name: str) -> User:
    # Real e-mail addresses, so every notification also queues its e-mail as in production;
    # no password, because the API is driven with tokens (and argon2 would dominate seeding).
    return User.objects.create_user(username=name, email=f"{name}@bench.invalid", password=None)


def make_cast(prefix: str, *, buyers: int, sellers: int) -> Cast:
    """`buyers` funded buyers and `sellers` sellers with one USD listing each."""
    seller_users = [_person(f"{prefix}-seller{i}") for i in range(sellers)]
    listings = [
        catalog.create_listing(
            by=seller,
            title=f"Game key {i}",
            description="A key for the game, EU region.",
            kind="product",
            price=Money(PRICE, "USD"),
        )
        for i, seller in enumerate(seller_users)
    ]
    buyer_users = [_person(f"{prefix}-buyer{i}") for i in range(buyers)]
    for buyer in buyer_users:
        deposit(by=buyer, amount=Money(FUNDING, "USD"))
    return Cast(buyers=buyer_users, sellers=seller_users, listings=listings)
