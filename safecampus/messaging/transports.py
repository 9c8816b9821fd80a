"""Speaking to the services: checking a webhook, signing (DingTalk), laying out a message in
each service's format within its byte limits, sending one request and reading the answer.

Nothing here touches the database. ``send_robot`` and ``send_email`` return an :class:`Answer`
the outbox records; they never raise for what a service or the network does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import smtplib
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.debug import sensitive_variables

from .choices import Outcome, Transport

#: bytes of one message's content the services accept (UTF-8): DingTalk's markdown and action
#: cards take 20,000; WeCom's markdown 4,096 and its text 2,048
LIMITS = {
    (Transport.DINGTALK, "markdown"): 20000,
    (Transport.WECOM, "markdown"): 4096,
    (Transport.WECOM, "text"): 2048,
}
#: how long the service blocks a robot that sent too much, in seconds
BLOCKED_FOR = {Transport.DINGTALK: 600, Transport.WECOM: 60}

DINGTALK_PATH = "/robot/send"
WECOM_PATH = "/cgi-bin/webhook/send"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,128}$")

#: DingTalk errcodes: the robot sent too fast (blocked); the robot's settings refuse it for good
DINGTALK_LIMITED = {130101, 130102}
DINGTALK_REFUSED = {300001, 300005, 310000, 400101, 400102, 400105, 410100}
#: WeCom errcodes: frequency limit; a bad key or an invalid message
WECOM_LIMITED = {45009, 45033}
WECOM_REFUSED = {93000, 93004, 40008, 40058, 44004, 45002}


@dataclass(frozen=True)
class Answer:
    outcome: str
    http_status: int | None = None
    errcode: int | None = None
    #: what the person who keeps the robot reads (Chinese), never the token or the secret
    detail: str = ""


def _service(transport: str) -> str:
    """The service's short name in messages a person reads (钉钉, 企业微信)."""
    if transport == Transport.DINGTALK:
        return pgettext("service", "DingTalk")
    return pgettext("service", "WeCom")


# --- webhooks -----------------------------------------------------------------------------------


def _api_base(transport: str) -> urllib.parse.SplitResult:
    base = (
        settings.SAFECAMPUS_DINGTALK_API
        if transport == Transport.DINGTALK
        else settings.SAFECAMPUS_WECOM_API
    )
    return urllib.parse.urlsplit(base)


def webhook_check(transport: str, url: str) -> str:
    """The webhook, cleaned, or a ``ValidationError`` saying in Chinese why it is not the
    service's: another host, another path, no token."""
    url = (url or "").strip()
    base = _api_base(transport)
    path, param, example = (
        (DINGTALK_PATH, "access_token", "https://oapi.dingtalk.com/robot/send?access_token=…")
        if transport == Transport.DINGTALK
        else (WECOM_PATH, "key", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
    )
    wrong = ValidationError(
        _(
            "This is not a %(service)s webhook address. Copy it from the robot's settings: "
            "%(example)s"
        )
        % {"service": Transport(transport).label, "example": example},
        code="invalid",
    )
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL" and the like
        raise wrong from None
    if parts.scheme != base.scheme or parts.netloc.lower() != base.netloc.lower():
        raise wrong
    if parts.path.rstrip("/") != (base.path.rstrip("/") + path):
        raise wrong
    tokens = urllib.parse.parse_qs(parts.query).get(param) or []
    if len(tokens) != 1 or not _TOKEN.match(tokens[0]):
        raise wrong
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urllib.parse.urlencode({param: tokens[0]}), "")
    )


def mask_webhook(url: str) -> str:
    """The address with all but the token's last four characters hidden."""
    parts = urllib.parse.urlsplit(url or "")
    query = urllib.parse.parse_qsl(parts.query)
    # written out by hand: ``urlencode`` would percent-encode the ellipsis
    masked = "&".join(
        f"{urllib.parse.quote(k)}=…{urllib.parse.quote(v[-4:]) if len(v) > 4 else ''}"
        for k, v in query
    )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, masked, ""))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: Base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed by the secret."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    if not secret:
        return webhook
    query = urllib.parse.urlencode(
        {"timestamp": str(timestamp_ms), "sign": dingtalk_sign(secret, timestamp_ms)}
    )
    return f"{webhook}&{query}"


# --- layout -------------------------------------------------------------------------------------


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_lines(text: str, limit: int) -> list[str]:
    """``text`` cut into parts of at most ``limit`` UTF-8 bytes, at line ends where it can be
    (a line longer than the limit is cut between characters, never inside one)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while _size(line) > limit:
            cut = line.encode("utf-8")[:limit].decode("utf-8", "ignore") or line[0]
            if current:
                parts.append(current)
                current = ""
            parts.append(cut)
            line = line[len(cut) :]
        candidate = f"{current}\n{line}" if current else line
        if current and _size(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


#: room kept in each part for its "(2/3)" marker and the link line
_RESERVE = 160


def layout(transport: str, title: str, body: str, url: str = "", keyword: str = "") -> list[dict]:
    """The request bodies of one message: one, or several parts each within the byte limit,
    numbered "（2/3）", the link back to the page on the last. A DingTalk robot with keywords
    gets the first keyword in the title when the text carries none of them."""
    link = f"[{_('Open in SafeCampus')}]({url})" if url else ""
    if transport == Transport.DINGTALK:
        limit = LIMITS[(Transport.DINGTALK, "markdown")]
    else:
        limit = LIMITS[(Transport.WECOM, "markdown")]
    head = f"### {title}" if transport == Transport.DINGTALK else f"**{title}**"
    chunks = split_lines(body, limit - _size(head) - _size(link) - _RESERVE)
    total = len(chunks)
    payloads = []
    for i, chunk in enumerate(chunks, start=1):
        marker = f"（{i}/{total}）" if total > 1 else ""
        text = f"{head}{marker}\n\n{chunk}"
        if link and i == total:
            text += f"\n\n{link}"
        if transport == Transport.DINGTALK:
            card_title = f"{keyword}{title}" if keyword and keyword not in text else title
            if url and total == 1:
                payloads.append(
                    {
                        "msgtype": "actionCard",
                        "actionCard": {
                            "title": card_title[:64],
                            "text": text.replace(f"\n\n{link}", "") if link else text,
                            "btnOrientation": "0",
                            "singleTitle": _("Open in SafeCampus"),
                            "singleURL": url,
                        },
                    }
                )
            else:
                payloads.append(
                    {"msgtype": "markdown", "markdown": {"title": card_title[:64], "text": text}}
                )
        else:
            payloads.append({"msgtype": "markdown", "markdown": {"content": text}})
    return payloads


def part_count(transport: str, title: str, body: str, url: str = "") -> int:
    return len(layout(transport, title, body, url))


# --- sending ------------------------------------------------------------------------------------


def _read(errcode, errmsg: str, transport: str, status: int, *, signed: bool = True) -> Answer:
    if errcode == 0:
        return Answer(Outcome.OK, status, 0, "")
    limited = DINGTALK_LIMITED if transport == Transport.DINGTALK else WECOM_LIMITED
    refused = DINGTALK_REFUSED if transport == Transport.DINGTALK else WECOM_REFUSED
    service = _service(transport)
    if errcode in limited:
        return Answer(
            Outcome.LIMITED,
            status,
            errcode,
            _("%(service)s says the robot sent too many messages (%(code)s); waiting.")
            % {"service": service, "code": errcode},
        )
    if errcode in refused:
        return Answer(
            Outcome.REFUSED, status, errcode, _refusal(transport, errcode, errmsg, signed=signed)
        )
    return Answer(
        Outcome.ERROR,
        status,
        errcode if isinstance(errcode, int) else None,
        _("%(service)s answered with error %(code)s: %(msg)s")
        % {"service": service, "code": errcode, "msg": errmsg[:120]},
    )


def _refusal(transport: str, errcode: int, errmsg: str, *, signed: bool = True) -> str:
    low = (errmsg or "").lower()
    if transport == Transport.DINGTALK:
        if not signed and ("sign" in low or "timestamp" in low):
            # no secret entered here, but the robot is set to 加签: DingTalk finds no signature
            # (and says "invalid timestamp", which would send the reader to the clock)
            return _(
                "DingTalk asks for a signature: the robot is set to 加签 but no signing secret "
                "is entered here. Enter the secret (SEC…) from the robot's security settings "
                "with 更换 Webhook 或密钥."
            )
        if "sign" in low:
            return _(
                "DingTalk refused the signature: the signing secret is wrong. Copy the secret "
                "(SEC…) from the robot's security settings (加签) again."
            )
        if "keyword" in low:
            return _(
                "DingTalk refused the message: it carries none of the robot's custom keywords. "
                "Enter the robot's keywords here."
            )
        if "timestamp" in low:
            return _(
                "DingTalk refused the request's time: this server's clock is more than an hour "
                "off. Set the server's time right (NTP)."
            )
        if "ip" in low:
            return _(
                "DingTalk refused the request: this server's address is not on the robot's IP list."
            )
        if errcode in (300001, 300005):
            return _(
                "DingTalk does not know this robot: the webhook's access_token is wrong or "
                "the robot was removed."
            )
    else:
        if errcode in (93000, 93004):
            return _(
                "WeCom does not know this robot: the webhook's key is wrong or the robot was "
                "removed."
            )
        if errcode in (40058, 44004, 45002):
            return _("WeCom refused the message's content (%(code)s): too long or empty.") % {
                "code": errcode
            }
    return _("%(service)s refused the message (%(code)s): %(msg)s") % {
        "service": _service(transport),
        "code": errcode,
        "msg": errmsg[:120],
    }


@sensitive_variables("webhook", "secret", "url", "request")
def send_robot(
    transport: str, webhook: str, secret: str, payload: dict, *, now_ms: int | None = None
) -> Answer:
    """One POST of ``payload`` to the robot. Network trouble, a timeout and a 5xx are errors
    (tried again later); a refusal in the answer is final."""
    url = webhook
    if transport == Transport.DINGTALK:
        url = signed_url(webhook, secret, now_ms if now_ms is not None else int(time.time() * 1000))
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    service = _service(transport)
    try:
        with urllib.request.urlopen(request, timeout=settings.SAFECAMPUS_ROBOT_TIMEOUT) as resp:
            status = resp.status
            raw = resp.read(65536)
    except urllib.error.HTTPError as exc:
        return Answer(
            Outcome.ERROR,
            exc.code,
            None,
            _("%(service)s answered HTTP %(status)s; will try again.")
            % {"service": service, "status": exc.code},
        )
    except TimeoutError:
        return Answer(
            Outcome.ERROR,
            None,
            None,
            _("%(service)s did not answer in time; will try again.") % {"service": service},
        )
    except http.client.HTTPException as exc:  # a broken answer (IncompleteRead, LineTooLong…)
        return Answer(
            Outcome.ERROR,
            None,
            None,
            _("%(service)s gave an answer that is not its own; will try again.")
            % {"service": service, "kind": type(exc).__name__},
        )
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError | socket.timeout):
            return Answer(
                Outcome.ERROR,
                None,
                None,
                _("%(service)s did not answer in time; will try again.") % {"service": service},
            )
        return Answer(
            Outcome.ERROR,
            None,
            None,
            _("%(service)s cannot be reached from this server (%(reason)s); will try again.")
            % {"service": service, "reason": type(reason).__name__},
        )
    try:
        answer = json.loads(raw.decode("utf-8"))
        errcode = int(answer.get("errcode"))
        errmsg = str(answer.get("errmsg", ""))
    except (ValueError, TypeError, AttributeError):
        return Answer(
            Outcome.ERROR,
            status,
            None,
            _("%(service)s gave an answer that is not its own; will try again.")
            % {"service": service},
        )
    return _read(errcode, errmsg, transport, status, signed=bool(secret))


def send_email(*, address: str, subject: str, body: str) -> Answer:
    """One e-mail through the configured SMTP server."""
    if not settings.EMAIL_HOST and settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return Answer(
            Outcome.REFUSED,
            None,
            None,
            _("No SMTP server is configured (SAFECAMPUS_SMTP_HOST); the e-mail was not sent."),
        )
    try:
        connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        EmailMessage(subject=subject, body=body, to=[address], connection=connection).send()
    except smtplib.SMTPRecipientsRefused:
        return Answer(
            Outcome.REFUSED,
            None,
            None,
            _("The mail server refused the address %(address)s.") % {"address": address},
        )
    except (smtplib.SMTPException, OSError) as exc:
        return Answer(
            Outcome.ERROR,
            None,
            None,
            _(
                "The mail server cannot be reached or refused the e-mail (%(reason)s); "
                "will try again."
            )
            % {"reason": type(exc).__name__},
        )
    return Answer(Outcome.OK)
