from django.contrib import admin

from core.admin import ReadOnlyAdmin
from ledger.models import Account, Entry, Transaction
from ledger.queries import balance_of


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("key", "kind", "currency", "current_balance", "user")

    @admin.display(description="balance")
    def current_balance(self, account: Account) -> int:
        return balance_of(account)

    list_filter = ("kind", "currency")
    search_fields = ("key",)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "kind", "order", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("public_id", "memo")


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "account", "amount", "currency")
    list_select_related = ("transaction", "account")
