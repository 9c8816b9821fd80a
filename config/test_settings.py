"""Settings for the test suite: jobs run inline, fast password hashing."""

from .settings import *  # noqa: F403
from .settings import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
STORAGES["default"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # The audit log refuses TRUNCATE unless the session allows it (audit migration 0004);
    # Django's flush between transactional tests truncates every table. A test database is
    # thrown away, so its commits (migrations, transactional tests) need not wait for the disk.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c safecampus.audit_truncate=allowed -c synchronous_commit=off"
    )
# No outgoing message leaves a test by itself: the tests drain the outbox when they mean to, and
# the robots' services point at a closed local port unless a test starts an imitation.
SAFECAMPUS_OUTBOX_KICK = False
SAFECAMPUS_DINGTALK_API = "http://127.0.0.1:9"
SAFECAMPUS_WECOM_API = "http://127.0.0.1:9"
