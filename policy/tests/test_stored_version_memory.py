"""The stored policy version is looked up once per process, and only once it is committed."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from policy.active import current_version
from policy.models import PolicyVersion


def test_a_committed_version_is_remembered_and_costs_no_query_after(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = current_version()
    with CaptureQueriesContext(connection) as captured:
        again = current_version()
    assert again == first
    assert captured.captured_queries == []


def test_a_version_stored_in_a_transaction_that_rolled_back_is_not_remembered(db):
    class Abort(Exception):
        pass

    try:
        with transaction.atomic():
            stored = current_version()
            raise Abort
    except Abort:
        pass
    assert not PolicyVersion.objects.filter(pk=stored.pk).exists()

    fresh = current_version()
    assert PolicyVersion.objects.filter(pk=fresh.pk).exists()


def test_the_parsed_policy_is_shared_by_every_load_of_a_version(db):
    version = current_version()
    loaded = [PolicyVersion.objects.get(pk=version.pk) for _ in range(2)]
    assert loaded[0] is not loaded[1]
    assert loaded[0].policy is loaded[1].policy
