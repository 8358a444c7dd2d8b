"""The worker's side: signed POSTs to a real receiver on 127.0.0.1, retries with back-off under
one stable webhook-id, no redirects, bounded time, the attempt cap, and the SSRF check again at
send time (T19)."""

from __future__ import annotations

import itertools
import shutil
import ssl
import time
from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from core import audit, clock
from core.actors import SystemActor
from core.errors import Conflict
from ops.worker import Worker
from webhooks import actions, sender
from webhooks.models import WebhookDelivery
from webhooks.tests.receiver import Received, Receiver, self_signed, verify

Status = WebhookDelivery.Status


@pytest.fixture
def event(make_user):
    """`event()` records one audit event, as any action would."""
    subject = make_user("subject")

    def record(code: str = "order.delivered"):
        audit.record(code, subject=subject, by=SystemActor("test"), role="system", data={"n": 1})

    return record


def later(seconds: float) -> None:
    clock.freeze_test_clock(clock.now() + timedelta(seconds=seconds))


def lease_runs_out() -> None:
    """As if the lease's minutes went by (the worker holding it died): on the database's clock,
    which the lease is measured on, and on Parley's, which the claim also moved ahead on."""
    WebhookDelivery.objects.update(leased_until=clock.system_now() - timedelta(seconds=1))
    later(actions.SEND_LEASE.total_seconds())


def test_the_receiver_gets_a_post_whose_signature_verifies_independently(receiver, endpoint, event):
    hook = endpoint(receiver.url)
    event()

    assert actions.send_due_webhooks() == 1

    delivery = hook.deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.SENT, 1, 200)
    assert delivery.sent_at == clock.now()
    [got] = receiver.requests
    assert got.path == "/hook"
    assert got.headers["content-type"] == "application/json"
    assert "Parley" in got.headers["user-agent"]
    assert got.headers["webhook-id"] == delivery.event_id
    assert verify(hook.secret, got) == delivery.payload
    # The reference library agrees, and a changed body or a foreign key does not verify.
    assert Webhook(hook.secret).verify(got.body, got.headers) == delivery.payload
    with pytest.raises(AssertionError):
        verify(hook.secret, Received(got.path, got.headers, got.body.replace(b'"n":1', b'"n":2')))
    with pytest.raises(AssertionError):
        verify(actions.new_secret(), got)


def test_the_signature_timestamp_is_real_time_even_when_the_test_clock_moved(receiver, endpoint, event):
    endpoint(receiver.url)
    later(30 * 86400)
    event()
    actions.send_due_webhooks()
    [got] = receiver.requests
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
    with pytest.raises(AssertionError, match="5 minutes"):
        verify(endpoint(receiver.url).secret, got, now=time.time() + 301)


def test_a_500_is_retried_after_the_back_off_under_the_same_webhook_id(receiver, endpoint, event):
    hook = endpoint(receiver.url)
    receiver.script(500, 200)
    event()

    assert actions.send_due_webhooks() == 1
    delivery = hook.deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.PENDING, 1, 500)
    assert delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=30)

    assert actions.send_due_webhooks() == 0  # not before the back-off
    later(29)
    assert actions.send_due_webhooks() == 0
    later(1)
    assert actions.send_due_webhooks() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.SENT, 2, 200)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.event_id
    assert first.body == second.body
    assert verify(hook.secret, second) == delivery.payload


def test_back_off_doubles_up_to_six_hours():
    delays = [actions.retry_delay(n) for n in range(1, actions.MAX_ATTEMPTS)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(delays) == delays[-1] == timedelta(hours=6)
    assert all(a <= b for a, b in itertools.pairwise(delays))


def test_a_redirect_is_not_followed_but_retried(receiver, endpoint, event):
    hook = endpoint(receiver.url)
    receiver.script(("redirect", "/elsewhere"))
    event()

    actions.send_due_webhooks()

    assert [r.path for r in receiver.requests] == ["/hook"]
    delivery = hook.deliveries.get()
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, 302)
    assert "redirects are not followed" in delivery.last_error
    later(30)
    actions.send_due_webhooks()
    assert [r.path for r in receiver.requests] == ["/hook", "/hook"]
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT


@pytest.mark.parametrize("answer", [("slow", 3.0), ("trickle", 3.0)], ids=["silent", "trickling"])
def test_a_receiver_that_takes_too_long_is_cut_off_and_retried(receiver, endpoint, event, monkeypatch, answer):
    # Had the attempt waited for the receiver, it would have been a 200 (silent) or a
    # malformed answer (trickling): the status and the message show it was cut off.
    monkeypatch.setattr(sender, "TIMEOUT", 0.3)
    hook = endpoint(receiver.url)
    receiver.script(answer)
    event()

    assert actions.send_due_webhooks() == 1

    delivery = hook.deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.PENDING, 1, None)
    assert "no complete answer within 0.3 s" in delivery.last_error
    later(30)
    actions.send_due_webhooks()
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT


def test_the_attempt_cap_marks_the_delivery_failed(receiver, endpoint, event):
    hook = endpoint(receiver.url)
    receiver.script(*[503] * actions.MAX_ATTEMPTS)
    event()

    for _ in range(actions.MAX_ATTEMPTS):
        assert actions.send_due_webhooks() == 1
        later(actions.MAX_RETRY.total_seconds())
    assert actions.send_due_webhooks() == 0

    delivery = hook.deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.FAILED, actions.MAX_ATTEMPTS, 503)
    assert len(receiver.requests) == actions.MAX_ATTEMPTS
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.event_id}


def test_a_target_that_became_private_is_refused_at_send_time(receiver, endpoint, event, settings):
    hook = endpoint(receiver.url)  # allowed when registered
    settings.WEBHOOKS_ALLOWED_HOSTS = []
    event()

    actions.send_due_webhooks()

    assert receiver.requests == []
    delivery = hook.deliveries.get()
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, None)
    assert delivery.last_error.startswith("not sent: 127.0.0.1 resolves to 127.0.0.1, which is not a public address")


def test_dns_that_changes_to_a_private_address_is_refused_at_send_time(endpoint, event, settings, dns):
    settings.WEBHOOKS_ALLOWED_HOSTS = []
    dns["hooks.example.test"] = ["93.184.216.34"]
    hook = endpoint("https://hooks.example.test/parley")
    dns["hooks.example.test"] = ["169.254.169.254"]  # rebound after registration
    event()

    actions.send_due_webhooks()  # refused before any connection: nothing leaves the machine

    delivery = hook.deliveries.get()
    assert delivery.status == Status.PENDING
    assert "169.254.169.254, which is not a public address" in delivery.last_error


def test_a_failing_endpoint_does_not_hold_the_others(receiver, endpoint, event):
    broken, healthy = endpoint(receiver.url.replace("/hook", "/broken")), endpoint(receiver.url)
    receiver.script(500)
    event()
    event()

    assert actions.send_due_webhooks() == 3  # broken once, then healthy twice; broken waits

    assert set(healthy.deliveries.values_list("status", flat=True)) == {Status.SENT}
    assert sorted(broken.deliveries.values_list("attempts", flat=True)) == [0, 1]
    assert [r.path for r in receiver.requests] == ["/broken", "/hook", "/hook"]


def test_an_endpoint_disabled_after_queuing_gets_nothing(receiver, endpoint, event):
    hook = endpoint(receiver.url)
    event()
    # As if the disabling committed while another transaction was still queuing for the endpoint.
    type(hook).objects.filter(pk=hook.pk).update(is_active=False)

    assert actions.send_due_webhooks() == 0

    assert receiver.requests == []
    delivery = hook.deliveries.get()
    assert (delivery.status, delivery.last_error) == (Status.FAILED, "The endpoint was disabled.")


def test_a_claimed_delivery_is_left_alone_until_its_lease_ends(receiver, endpoint, event):
    hook = endpoint(receiver.url)
    event()
    assert actions._claim(skip_endpoints=set()) is not None  # a worker took it, then died

    assert actions.send_due_webhooks() == 0
    lease_runs_out()
    assert actions.send_due_webhooks() == 1

    delivery = hook.deliveries.get()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)
    assert len(receiver.requests) == 1


def test_a_late_result_neither_overwrites_a_newer_claim_nor_counts_against_the_endpoint(receiver, endpoint, event):
    hook = endpoint(receiver.url)
    event()
    stale = actions._claim(skip_endpoints=set())
    lease_runs_out()
    assert actions.send_due_webhooks() == 1  # another worker re-claimed and sent it

    actions._record(stale, sender.Attempt(None, "ConnectionResetError"))

    delivery = hook.deliveries.get()
    assert (delivery.status, delivery.last_error) == (Status.SENT, "")
    hook.refresh_from_db()
    assert hook.failing_since is None  # nor does the dropped failure count against the endpoint


def test_the_worker_round_sends_webhooks(receiver, endpoint, event):
    endpoint(receiver.url)
    event()
    Worker().tick()
    assert len(receiver.requests) == 1


def test_finished_deliveries_are_pruned_after_thirty_days(receiver, endpoint, event):
    hook = endpoint(receiver.url)
    event()
    actions.send_due_webhooks()
    later(actions.KEEP_FINISHED.total_seconds() - 1)
    event()
    assert actions.prune_deliveries() == 0
    later(2)
    assert actions.prune_deliveries() == 1
    assert list(hook.deliveries.values_list("status", flat=True)) == [Status.PENDING]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
@pytest.mark.parametrize(("cert_for", "sent"), [("hooks.example.test", True), ("other.example.test", False)])
def test_https_connects_to_the_checked_address_and_verifies_the_url_host(
    tmp_path, endpoint, event, dns, monkeypatch, cert_for, sent
):
    cert, key = self_signed(tmp_path, cert_for)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(sender, "tls_context", lambda: client_side)
    tls_receiver = Receiver(tls=server_side).start()
    try:
        dns["hooks.example.test"] = ["127.0.0.1"]  # allow-listed by address in the test settings
        hook = endpoint(f"https://hooks.example.test:{tls_receiver.port}/hook")
        event()
        actions.send_due_webhooks()
    finally:
        tls_receiver.stop()

    delivery = hook.deliveries.get()
    if sent:
        assert delivery.status == Status.SENT
        [got] = tls_receiver.requests
        assert got.headers["host"] == f"hooks.example.test:{tls_receiver.port}"
        assert verify(hook.secret, got) == delivery.payload
    else:
        assert delivery.status == Status.PENDING
        assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
        assert tls_receiver.requests == []


def test_a_claimed_delivery_is_not_sent_again_when_the_test_clock_jumps(receiver, endpoint, event):
    # The lease is measured on the wall clock: moving the test clock 30 days while a worker is
    # sending must not hand the same delivery to a second worker.
    hook = endpoint(receiver.url)
    event()
    assert actions._claim(skip_endpoints=set()) is not None

    later(30 * 86400)

    assert actions.send_due_webhooks() == 0
    assert receiver.requests == []
    assert hook.deliveries.get().attempts == 1


def test_a_retry_while_the_delivery_is_being_sent_is_refused(receiver, endpoint, event):
    # A second, simultaneous send would also reuse the attempt number the first worker holds.
    staff = SystemActor("integrator key")
    hook = endpoint(receiver.url)
    event()
    in_flight = actions._claim(skip_endpoints=set())
    assert in_flight is not None

    with pytest.raises(Conflict):
        actions.retry_delivery(endpoint=hook, event_id=in_flight.event_id, by=staff)

    assert actions.send_due_webhooks() == 0
    lease_runs_out()
    retried = actions.retry_delivery(endpoint=hook, event_id=in_flight.event_id, by=staff)
    assert retried.status == Status.PENDING
