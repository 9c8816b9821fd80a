"""Speaking to the services without a database: DingTalk's signature and signed address, the
imitation's checks (secret, timestamp, keywords, byte limits), and splitting Chinese text at the
services' byte limits."""

import base64
import hashlib
import hmac
import time
import urllib.parse

import pytest

from safecampus.messaging import transports
from safecampus.messaging.choices import Outcome, Transport
from safecampus.messaging.transports import LIMITS, layout, split_lines

pytestmark = [pytest.mark.dates]

STAMP = 1796608800000  # 2026-12-07 10:00 Shanghai, in milliseconds
SECRET = "SEC0123456789abcdef"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


# --- signature ----------------------------------------------------------------------------------


def test_the_signature_is_base64_of_hmac_sha256_over_timestamp_and_secret():
    expected = base64.b64encode(
        hmac.new(SECRET.encode("utf-8"), f"{STAMP}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode("ascii")
    assert transports.dingtalk_sign(SECRET, STAMP) == expected
    assert len(base64.b64decode(expected)) == 32
    assert transports.dingtalk_sign(SECRET, STAMP + 1) != expected
    assert transports.dingtalk_sign(SECRET + "x", STAMP) != expected


def test_the_signed_address_carries_the_timestamp_and_the_url_encoded_sign():
    webhook = "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456"
    url = transports.signed_url(webhook, SECRET, STAMP)
    query = urllib.parse.urlsplit(url).query
    assert query.startswith("access_token=abcdef123456&timestamp=1796608800000&sign=")
    raw_sign = query.split("sign=", 1)[1]
    sign = transports.dingtalk_sign(SECRET, STAMP)
    assert raw_sign == urllib.parse.quote_plus(sign)
    assert raw_sign.endswith("%3D")  # the Base64 padding is encoded, never sent raw
    assert "+" not in raw_sign and "/" not in raw_sign
    assert urllib.parse.parse_qs(query) == {
        "access_token": ["abcdef123456"],
        "timestamp": [str(STAMP)],
        "sign": [sign],
    }
    assert transports.signed_url(webhook, "", STAMP) == webhook  # an unsigned robot


def _markdown(text: str = "消防检查") -> dict:
    return {"msgtype": "markdown", "markdown": {"title": "通知", "text": text}}


def test_the_imitation_accepts_the_right_secret_and_refuses_a_wrong_one(robots):
    robots.secrets["signed123"] = SECRET
    hook = robots.dingtalk_webhook("signed123")
    now_ms = int(robots.clock() * 1000)
    ok = transports.send_robot(Transport.DINGTALK, hook, SECRET, _markdown(), now_ms=now_ms)
    assert ok.outcome == Outcome.OK
    wrong = transports.send_robot(Transport.DINGTALK, hook, "SECwrong", _markdown(), now_ms=now_ms)
    assert (wrong.outcome, wrong.errcode) == (Outcome.REFUSED, 310000)
    assert "加签" in wrong.detail and "密钥" in wrong.detail
    unsigned = transports.send_robot(Transport.DINGTALK, hook, "", _markdown())
    assert (unsigned.outcome, unsigned.errcode) == (Outcome.REFUSED, 310000)
    assert len(robots.received) == 1


def test_an_unsigned_request_to_a_signed_robot_says_the_secret_is_missing(robots):
    # DingTalk answers "invalid timestamp" when no signature comes: not the clock's fault
    robots.secrets["signed123"] = SECRET
    hook = robots.dingtalk_webhook("signed123")
    unsigned = transports.send_robot(Transport.DINGTALK, hook, "", _markdown())
    assert (unsigned.outcome, unsigned.errcode) == (Outcome.REFUSED, 310000)
    assert "没有填写加签密钥" in unsigned.detail
    assert "NTP" not in unsigned.detail


def test_the_imitation_refuses_a_timestamp_more_than_an_hour_old(robots):
    robots.secrets["signed123"] = SECRET
    hook = robots.dingtalk_webhook("signed123")
    now_ms = int(robots.clock() * 1000)
    stale = transports.send_robot(
        Transport.DINGTALK, hook, SECRET, _markdown(), now_ms=now_ms - 3601 * 1000
    )
    assert (stale.outcome, stale.errcode) == (Outcome.REFUSED, 310000)
    assert "时间" in stale.detail
    recent = transports.send_robot(
        Transport.DINGTALK, hook, SECRET, _markdown(), now_ms=now_ms - 3000 * 1000
    )
    assert recent.outcome == Outcome.OK


# --- keywords -----------------------------------------------------------------------------------


def test_a_robot_with_keywords_gets_the_first_in_the_title_when_the_text_has_none(robots):
    (payload,) = layout(Transport.DINGTALK, "护学岗提醒", "今日到岗情况", "", "安全")
    assert payload["markdown"]["title"] == "安全护学岗提醒"
    assert "安全" not in payload["markdown"]["text"]
    (card,) = layout(Transport.DINGTALK, "护学岗提醒", "今日到岗情况", "http://x/h/1/", "安全")
    assert card["msgtype"] == "actionCard"
    assert card["actionCard"]["title"] == "安全护学岗提醒"
    # text carrying the keyword: the title stays as it is
    (plain,) = layout(Transport.DINGTALK, "护学岗提醒", "安全员今日到岗", "", "安全")
    assert plain["markdown"]["title"] == "护学岗提醒"

    robots.keywords["kw123456"] = ["安全", "隐患"]
    hook = robots.dingtalk_webhook("kw123456")
    for sent in (payload, card, plain):
        assert transports.send_robot(Transport.DINGTALK, hook, "", sent).outcome == Outcome.OK
    (bare,) = layout(Transport.DINGTALK, "护学岗提醒", "今日到岗情况")
    refused = transports.send_robot(Transport.DINGTALK, hook, "", bare)
    assert (refused.outcome, refused.errcode) == (Outcome.REFUSED, 310000)
    assert "关键词" in refused.detail


# --- splitting ----------------------------------------------------------------------------------


def test_split_lines_keeps_text_at_exactly_the_limit_in_one_part():
    text = "安全检查\n消防通道"  # 12 + 1 + 12 bytes
    assert split_lines(text, 25) == [text]
    assert split_lines(text, 24) == ["安全检查", "消防通道"]
    assert split_lines("安" * 10, 30) == ["安" * 10]


def test_split_lines_cuts_a_line_one_byte_over_between_characters():
    assert split_lines("安" * 10, 29) == ["安" * 9, "安"]
    assert split_lines("a" + "安" * 3, 5) == ["a安", "安", "安"]


def test_a_line_longer_than_the_limit_is_cut_never_inside_a_character():
    line = "".join("校园安全风险防控平台abc"[i % 13] for i in range(1000))
    for limit in (7, 8, 100, 101):
        parts = split_lines(line, limit)
        assert "".join(parts) == line
        assert all(0 < _size(p) <= limit for p in parts)
        for p in parts:
            assert p.encode("utf-8").decode("utf-8") == p
    # a limit smaller than one character still ends (one character a part)
    assert split_lines("安全", 2) == ["安", "全"]


def test_an_empty_body_is_one_empty_part():
    assert split_lines("", 100) == [""]
    (payload,) = layout(Transport.WECOM, "测试", "")
    assert payload["markdown"]["content"] == "**测试**\n\n"
    (payload,) = layout(Transport.DINGTALK, "测试", "", "http://x/1/")
    assert payload["msgtype"] == "actionCard"


def _lines(n: int) -> list[str]:
    said = "学校门口护学岗未按时到岗，需立即整改，责任人须于今日内反馈。"
    return [f"第{i}条：{said}" for i in range(n)]


@pytest.mark.parametrize(
    ("transport", "lines", "limit"),
    [(Transport.WECOM, 600, 4096), (Transport.DINGTALK, 2500, 20000)],
)
def test_long_messages_are_numbered_parts_within_the_limit_the_link_on_the_last(
    robots, transport, lines, limit
):
    body = "\n".join(_lines(lines))
    url = "http://127.0.0.1:8000/messaging/messages/1/"
    payloads = layout(transport, "每日汇总", body, url)
    n = len(payloads)
    assert n > 3
    assert transports.part_count(transport, "每日汇总", body, url) == n
    texts = []
    for i, p in enumerate(payloads, start=1):
        text = p["markdown"]["text" if transport == Transport.DINGTALK else "content"]
        assert _size(text) <= limit
        assert f"（{i}/{n}）" in text.split("\n", 1)[0]
        assert (url in text) == (i == n)
        texts.append(text)
    joined = "\n".join(texts)
    assert all(line in joined for line in _lines(lines))
    hook = (
        robots.dingtalk_webhook("long1234")
        if transport == Transport.DINGTALK
        else robots.wecom_webhook("long1234")
    )
    for p in payloads:
        assert transports.send_robot(transport, hook, "", p).outcome == Outcome.OK
    assert [r.text for r in robots.received] == texts


def test_a_single_line_longer_than_a_part_still_fits(robots):
    body = "隐" * 3000  # 9000 bytes on one line
    payloads = layout(Transport.WECOM, "超长", body)
    assert len(payloads) == 3
    assert all(_size(p["markdown"]["content"]) <= 4096 for p in payloads)
    assert "".join(p["markdown"]["content"].split("\n\n", 1)[1] for p in payloads) == body


def test_the_imitation_holds_wecom_to_4096_bytes_of_markdown_and_2048_of_text(robots):
    hook = robots.wecom_webhook("wk123456")
    assert LIMITS[(Transport.WECOM, "text")] == 2048
    for kind, limit in (("markdown", 4096), ("text", 2048)):
        fits = "安" * (limit // 3) + "a" * (limit % 3)
        assert _size(fits) == limit
        payload = {"msgtype": kind, kind: {"content": fits}}
        ok = transports.send_robot(Transport.WECOM, hook, "", payload)
        assert ok.outcome == Outcome.OK
        over = transports.send_robot(
            Transport.WECOM, hook, "", {"msgtype": kind, kind: {"content": fits + "a"}}
        )
        assert (over.outcome, over.errcode) == (Outcome.REFUSED, 40058)
    for part in split_lines("\n".join(_lines(200)), 2048):
        assert _size(part) <= 2048


def test_time_is_read_from_the_imitations_clock(robots):
    robots.clock = lambda: time.time() + 61
    assert robots.clock() > time.time() + 60
