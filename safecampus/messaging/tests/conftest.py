import pytest
from django.utils import translation

from safecampus.messaging.testing import RobotImitation


@pytest.fixture(autouse=True)
def chinese():
    """The worker speaks the default language (Chinese) whatever an earlier test activated."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def robots(settings):
    """A local imitation of DingTalk's and WeCom's robot services; the settings point at it."""
    imitation = RobotImitation()
    base = imitation.start()
    settings.SAFECAMPUS_DINGTALK_API = base
    settings.SAFECAMPUS_WECOM_API = base
    yield imitation
    imitation.stop()


@pytest.fixture
def smtp(settings):
    """A local SMTP server; the settings send e-mail through it."""
    from safecampus.messaging.testing import SmtpImitation

    server = SmtpImitation()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.start()
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    yield server
    server.stop()
