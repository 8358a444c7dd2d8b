from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from core import clock
from notifications import actions
from notifications.models import Notification, OutboundEmail
from ops.worker import Worker
from testsupport import factories


def test_events_queue_mail_that_only_the_worker_sends(make_user):
    buyer, seller = make_user(), make_user()
    factories.paid_order(buyer, seller)
    assert Notification.objects.filter(user=seller, code="order.placed").count() == 1
    assert mail.outbox == []  # nothing is sent inside the action's transaction
    email = OutboundEmail.objects.get(to=seller.email)
    assert email.status == OutboundEmail.Status.PENDING

    Worker().tick()

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [[seller.email]]
    assert "New order" in mail.outbox[0].subject


def test_a_failed_send_is_retried_later_without_touching_the_action(make_user, monkeypatch):
    user = make_user()
    actions.notify(users=[user], code="test", title="Hello")

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(actions, "send_mail", broken)
    assert actions.send_due_emails() == 1
    email = OutboundEmail.objects.get()
    assert email.status == OutboundEmail.Status.PENDING
    assert email.attempts == 1
    assert "smtp down" in email.last_error
    assert email.next_attempt_at > clock.now()
    assert actions.send_due_emails() == 0  # not due again yet

    monkeypatch.undo()
    clock.freeze_test_clock(email.next_attempt_at)
    assert actions.send_due_emails() == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


def test_mail_gives_up_after_the_attempt_cap(make_user, monkeypatch):
    user = make_user()
    actions.notify(users=[user], code="test", title="Hello")
    monkeypatch.setattr(actions, "send_mail", lambda *a, **k: (_ for _ in ()).throw(OSError("no route")))
    for _ in range(actions.MAX_EMAIL_ATTEMPTS):
        clock.freeze_test_clock(clock.now() + timedelta(days=1))
        actions.send_due_emails()
    email = OutboundEmail.objects.get()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == actions.MAX_EMAIL_ATTEMPTS


def test_users_without_an_address_get_only_the_in_app_notification(make_user):
    user = make_user(email="")
    user.email = ""
    user.save()
    actions.notify(users=[user, user], code="test", title="Once")
    assert Notification.objects.filter(user=user).count() == 1
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize("count", [0, 3])
def test_unread_badge_counts_unread_notifications(client, make_user, count):
    user = make_user()
    for i in range(count):
        actions.notify(users=[user], code="test", title=f"n{i}")
    client.force_login(user)
    page = client.get("/").content.decode()
    assert (f'<span class="count">{count}</span>' in page) == (count > 0)
    actions.mark_all_read(user=user)
    assert '<span class="count">' not in client.get("/").content.decode()


def _lease_runs_out(email: OutboundEmail) -> None:
    """As if the lease's minutes went by (the worker holding it died): on the database's clock,
    which the lease is measured on, and on Parley's, which the claim also moved ahead on."""
    OutboundEmail.objects.filter(pk=email.pk).update(leased_until=clock.system_now() - timedelta(seconds=1))
    clock.freeze_test_clock(clock.now() + actions.SEND_LEASE)


def test_a_claimed_email_is_not_sent_again_when_the_test_clock_jumps(make_user):
    # Found by the scale-out test: a worker was sending when the test clock moved 30 days, and a
    # second worker took the same e-mail, because the lease was measured on the test clock.
    actions.notify(users=[make_user()], code="test", title="Hello")
    claimed = actions._claim()
    assert claimed is not None

    clock.freeze_test_clock(clock.now() + timedelta(days=30))

    assert actions.send_due_emails() == 0
    assert mail.outbox == []


def test_a_claimed_email_is_left_alone_until_its_lease_ends_on_the_wall_clock(make_user):
    actions.notify(users=[make_user()], code="test", title="Hello")
    claimed = actions._claim()  # a worker took it, then died
    assert claimed is not None
    assert actions.send_due_emails() == 0

    _lease_runs_out(claimed)

    assert actions.send_due_emails() == 1
    email = OutboundEmail.objects.get()
    assert (email.status, email.attempts, email.leased_until) == (OutboundEmail.Status.SENT, 2, None)
    assert len(mail.outbox) == 1


def test_a_late_result_does_not_overwrite_the_newer_claims(make_user):
    actions.notify(users=[make_user()], code="test", title="Hello")
    stale = actions._claim()
    assert stale is not None
    _lease_runs_out(stale)
    assert actions.send_due_emails() == 1  # another worker re-claimed and sent it
    sent_at = OutboundEmail.objects.get().sent_at

    actions._record(stale, error="ConnectionResetError")  # the first worker's answer, too late

    email = OutboundEmail.objects.get()
    assert (email.status, email.sent_at, email.last_error) == (OutboundEmail.Status.SENT, sent_at, "")
