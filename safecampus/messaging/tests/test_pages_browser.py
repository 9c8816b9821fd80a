"""The robots' pages in a browser, in the Chinese UI: the safety centre sets up a DingTalk robot
pointing at the local imitation and presses 测试发送; a school officer on a phone opens 消息推送
and sees only the school's robot.

Run with ``pytest -m browser safecampus/messaging/tests/test_pages_browser.py``.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from safecampus.core.roles import Role
from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
    world_live,
)
from safecampus.messaging.choices import Transport
from safecampus.messaging.models import Channel

pytestmark = pytest.mark.browser

TOKEN = "browserTOKEN0001"
SECRET = "SECbrowserSecret42"


def test_the_centre_sets_up_a_dingtalk_robot_and_tests_it(
    world_live,  # noqa: F811
    journey,  # noqa: F811
    robots,
):
    world = world_live
    robots.secrets[TOKEN] = SECRET
    centre = journey()
    page = centre.page
    page.goto(reverse("messaging:overview"))
    centre.log_in(world.users[Role.SAFETY_CENTRE].username)
    expect(page).to_have_url(_path("messaging:overview"))
    page.get_by_test_id("channel-new").first.click()
    form = page.get_by_test_id("channel-form")
    form.locator("select[name=owner]").select_option(f"bureau:{world.bureau.pk}")
    form.locator("input[name=transport][value=dingtalk]").check()
    form.locator("input[name=name]").fill("局安全工作群")
    form.locator("input[name=webhook]").fill(robots.dingtalk_webhook(TOKEN))
    form.locator("input[name=secret]").fill(SECRET)
    centre.screenshot("messaging-robot-form")
    page.get_by_test_id("channel-save").click()
    channel = Channel.objects.get(name="局安全工作群")
    expect(page).to_have_url(_path("messaging:channel_detail", channel.pk))
    html = page.content()
    assert TOKEN not in html and SECRET not in html
    expect(page.get_by_test_id("masked-webhook")).to_contain_text("…" + TOKEN[-4:])
    page.get_by_test_id("channel-test").click()
    expect(page.locator(".alert-success")).to_contain_text("已送达")
    assert [r.token for r in robots.received] == [TOKEN]
    expect(page.get_by_test_id(f"state-{channel.pk}")).to_have_attribute("data-state", "working")
    page.goto(reverse("messaging:overview"))
    centre.screenshot("messaging-overview-centre")
    centre.assert_clean()


def test_a_school_officer_on_a_phone_sees_only_the_schools_robot(
    world_live,  # noqa: F811
    journey,  # noqa: F811
):
    world = world_live
    for school, name, key in (
        (world.school_a, "甲小学安全群", "schoolAkey0001"),
        (world.school_b, "乙幼儿园安全群", "schoolBkey0001"),
    ):
        Channel.objects.create(
            bureau=world.bureau,
            school=school,
            transport=Transport.WECOM,
            name=name,
            webhook=f"http://127.0.0.1:9/cgi-bin/webhook/send?key={key}",
        )
    school = journey(**PHONE)
    page = school.page
    page.goto(reverse("core:home"))
    school.log_in(world.users[Role.SCHOOL_OFFICER].username)
    page.locator(".navbar-toggler").tap()
    page.locator("#nav").get_by_role("link", name="消息推送").tap()
    expect(page).to_have_url(_path("messaging:overview"))
    expect(page.get_by_text("甲小学安全群")).to_be_visible()
    expect(page.get_by_text("乙幼儿园安全群")).to_have_count(0)
    expect(page.get_by_test_id("my-preferences")).to_be_visible()
    # nothing wider than the phone's screen
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    # the robot's page: its buttons within reach, nothing wider than the screen
    page.get_by_role("link", name="甲小学安全群").tap()
    expect(page.get_by_test_id("channel-test")).to_be_visible()
    expect(page.get_by_test_id("channel-pause")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    school.screenshot("messaging-robot-phone")
    page.goto(reverse("messaging:message_list"))
    expect(page.get_by_test_id("messages-cards")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    school.assert_clean()
