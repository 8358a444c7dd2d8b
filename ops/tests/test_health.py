from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_healthz_answers_ok_without_touching_the_database(client, db):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert captured.captured_queries == []


def test_healthz_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405
