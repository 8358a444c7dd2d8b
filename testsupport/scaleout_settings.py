"""Settings for the processes the scale-out test starts (`ops/tests/test_scale_out.py`): the
production settings, with e-mail written to files in `SCALE_OUT_MAIL_DIR` so the test
can count every message each worker sent."""

import os

from parley.settings import *  # noqa: F403

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.environ["SCALE_OUT_MAIL_DIR"]},
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WRITE_RATE_LIMIT = (100_000, 60)
