"""Settings for the test suite: the production settings with the test clock on, a throwaway
secret and a fast password hasher (argon2 is checked by its own test)."""

import os
import tempfile

os.environ.setdefault("PARLEY_SECRET_KEY", "test-only-" + "k" * 60)
os.environ.setdefault("PARLEY_TEST_CLOCK", "1")
os.environ.setdefault("PARLEY_PLAIN_STATIC", "1")
os.environ.setdefault("PARLEY_HTTPS", "0")
os.environ.setdefault("PARLEY_PUBLIC_URL", "http://testserver")
# Tests run webhook receivers on the loopback interface, which production refuses.
os.environ.setdefault("PARLEY_WEBHOOKS_ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("PARLEY_MEDIA_ROOT", tempfile.mkdtemp(prefix="parley-test-media-"))

from parley.settings import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_RATE_LIMIT = (10, 300)
# Suites drive many requests per user in a second; the throttles have tests of their own.
WRITE_RATE_LIMIT = (100_000, 60)
SIGNUP_RATE_LIMIT = (100_000, 3600)
KEY_RATE_LIMIT = (100_000, 60)
WEBHOOK_RETRY_JITTER = 0.0  # exact back-off in tests; the jitter has its own test
LOGIN_SUCCESS_LIMIT = (100_000, 3600)
LOGIN_ATTEMPT_LIMIT = 100_000  # browser tests log the same people in many times
TOKEN_RATE_LIMIT = (100_000, 3600)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: worker processes and the live server share it with the tests.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-parley.sqlite3")}  # noqa: F405
