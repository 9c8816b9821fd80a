import pytest

from safecampus.messaging.testing import RobotImitation


@pytest.fixture
def robots(settings):
    """A local imitation of DingTalk's and WeCom's robot services; the settings point at it."""
    imitation = RobotImitation()
    base = imitation.start()
    settings.SAFECAMPUS_DINGTALK_API = base
    settings.SAFECAMPUS_WECOM_API = base
    yield imitation
    imitation.stop()
