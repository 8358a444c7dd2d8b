"""Evidence and ticket attachments in S3-compatible storage, against a real S3 server on
127.0.0.1 (moto's server mode): uploads land in the bucket and not on disk, downloads still
check who asks, and the sweep of orphaned uploads works on a bucket as on a folder."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from api.tests.test_disputes_api import open_body
from disputes import actions as disputes
from disputes.models import Evidence
from ops import orphan_files
from testsupport import factories
from tickets import actions as tickets
from tickets.models import TicketAttachment
from tickets.tests.samples import pdf, png

PORT = int(os.environ.get("PARLEY_TEST_S3_PORT", "8155"))
BUCKET = "parley-evidence"
ENDPOINT = f"http://127.0.0.1:{PORT}"
KEYS = {"aws_access_key_id": "parley-test", "aws_secret_access_key": "parley-test-secret"}


@pytest.fixture
def s3(settings):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=PORT, verbose=False)
    server.start()
    # The server keeps its buckets in this process: start each test from an empty one.
    urllib.request.urlopen(urllib.request.Request(f"{ENDPOINT}/moto-api/reset", method="POST"), timeout=10)
    client = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", **KEYS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **django_settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": ENDPOINT,
                "region_name": "us-east-1",
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "location": "site-a",
                "addressing_style": "path",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    yield client
    server.stop()


def _objects(client) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def test_evidence_round_trips_through_s3_and_downloads_still_check_who_asks(s3, api, make_user, tclock):
    buyer, seller, staff, stranger = make_user(), make_user(), make_user(staff=True), make_user()
    order = factories.delivered_order(buyer, seller, price=50_00)
    tclock.advance(minutes=15)
    dispute_id = api(buyer).post("/disputes", open_body(order)).json()["id"]
    buyer_api = api(buyer)
    posted = buyer_api.client.post(
        f"/api/v1/disputes/{dispute_id}/evidence",
        {"file": png("screen.png")},
        headers={"Authorization": f"Bearer {buyer_api.token}"},
    )
    assert posted.status_code == 201, posted.content
    body = posted.json()

    evidence = Evidence.objects.get(public_id=body["id"])
    key = f"site-a/{evidence.file.name}"
    stored = _objects(s3)
    assert list(stored) == [key]
    assert hashlib.sha256(stored[key]).hexdigest() == body["sha256"]
    assert not (Path(django_settings.MEDIA_ROOT) / evidence.file.name).exists()  # nothing on local disk

    for viewer in (buyer, seller, staff):
        download = api(viewer).get(f"/disputes/{dispute_id}/evidence/{body['id']}")
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == body["sha256"]
    refused = api(stranger).get(f"/disputes/{dispute_id}/evidence/{body['id']}")
    assert refused.status_code == 404
    assert api().get(f"/disputes/{dispute_id}/evidence/{body['id']}").status_code == 401


def test_the_orphan_sweep_works_on_a_bucket(s3, make_user):
    buyer = make_user()
    dispute = factories.dispute_of(buyer)

    kept = disputes.add_evidence(dispute_id=dispute.pk, by=buyer, upload=png())
    default_storage.save("evidence/dsp_gone/evd_gone.png", ContentFile(b"left behind"))
    assert len(_objects(s3)) == 2

    # Everything counts as old here; only the file no record points to goes.
    removed = orphan_files.sweep(storage=default_storage, grace=timedelta(seconds=-60))
    assert removed == 1
    assert list(_objects(s3)) == [f"site-a/{kept.file.name}"]


def test_naming_a_bucket_switches_the_file_storage_to_s3():
    import json
    import subprocess
    import sys

    from ops.tests.test_worker_processes import PROJECT_ROOT

    probe = (
        "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.STORAGES))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "parley.test_settings"}
    local = json.loads(
        subprocess.run(
            [sys.executable, "-c", probe], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout
    )
    assert local["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    env |= {
        "PARLEY_S3_BUCKET": "evidence",
        "PARLEY_S3_ENDPOINT_URL": "https://s3.internal:9000",
        "PARLEY_S3_PREFIX": "prod",
        "PARLEY_S3_ENCRYPT": "1",
    }
    remote = json.loads(
        subprocess.run(
            [sys.executable, "-c", probe], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout
    )
    assert remote["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = remote["default"]["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["location"]) == (
        "evidence",
        "https://s3.internal:9000",
        "prod",
    )
    assert options["default_acl"] is None and options["object_parameters"] == {"ServerSideEncryption": "AES256"}


def test_ticket_attachments_round_trip_through_s3_and_downloads_still_check_who_asks(s3, api, make_user):
    owner, staff, stranger = make_user(), make_user(staff=True), make_user()
    ticket = tickets.open_ticket(by=owner, subject="Refund", category="payment", body="My deposit is missing.")
    owner_api = api(owner)
    posted = owner_api.client.post(
        f"/api/v1/tickets/{ticket.public_id}/replies/with-files",
        {"body": "The bank's receipt", "files": [png("receipt.png"), pdf("statement.pdf")]},
        headers={"Authorization": f"Bearer {owner_api.token}"},
    )
    assert posted.status_code == 201, posted.content

    attachments = list(TicketAttachment.objects.filter(message__ticket=ticket).order_by("id"))
    assert [a.name for a in attachments] == ["receipt.png", "statement.pdf"]
    stored = _objects(s3)
    assert sorted(stored) == sorted(f"site-a/{a.file.name}" for a in attachments)
    for attachment in attachments:
        assert hashlib.sha256(stored[f"site-a/{attachment.file.name}"]).hexdigest() == attachment.sha256
        assert not (Path(django_settings.MEDIA_ROOT) / attachment.file.name).exists()  # nothing on local disk

    statement = attachments[1]
    api_path = f"/tickets/{ticket.public_id}/attachments/{statement.public_id}"
    web_path = f"/tickets/{ticket.public_id}/files/{statement.public_id}/"
    for viewer in (owner, staff):
        download = api(viewer).get(api_path)
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == statement.sha256
        page = Client()
        page.force_login(viewer)
        from_page = page.get(web_path)
        assert from_page.status_code == 200
        assert hashlib.sha256(b"".join(from_page.streaming_content)).hexdigest() == statement.sha256
    assert api(stranger).get(api_path).status_code == 404
    assert api().get(api_path).status_code == 401
    nosy = Client()
    nosy.force_login(stranger)
    assert nosy.get(web_path).status_code == 404
