import pytest


@pytest.fixture
def robots(settings):
    """A local imitation of DingTalk's and WeCom's robot services; the settings point at it
    (as in the messaging tests)."""
    from safecampus.messaging.testing import RobotImitation

    imitation = RobotImitation()
    base = imitation.start()
    settings.SAFECAMPUS_DINGTALK_API = base
    settings.SAFECAMPUS_WECOM_API = base
    yield imitation
    imitation.stop()
