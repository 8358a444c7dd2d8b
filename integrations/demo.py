"""The demo API key that `make run` prints, so the walkthrough (`examples/integrator.py`) runs
at once. Its secret is derived from the deployment's secret key, so each start can print it
again although only its hash is stored. Only ever made with demo data."""

from __future__ import annotations

from django.utils.crypto import salted_hmac

from core.actors import SystemActor
from integrations import actions, scopes
from integrations.models import ApiKey
from integrations.queries import SECRET_PREFIX, digest, key_for_secret

DEMO_NAME = "Demo marketplace"


def demo_secret() -> str:
    return SECRET_PREFIX + "demo_" + salted_hmac("parley.integrations.demo-key", "demo").hexdigest()[:40]


def ensure_demo_key() -> str:
    """The demo key's secret, creating the key if there is none (a revoked one stays revoked)."""
    secret = demo_secret()
    if key_for_secret(secret) is None and not ApiKey.objects.filter(digest=digest(secret)).exists():
        # Every scope, 'staff' too, so the walkthrough can move the demo's test clock as carol.
        key, _ = actions.create_key(name=DEMO_NAME, scopes=list(scopes.ALL), by=SystemActor(rule="demo"))
        ApiKey.objects.filter(pk=key.pk).update(digest=digest(secret), prefix=secret[:10])
    return secret
