"""A local imitation of the robots' services, for tests and benchmarks (no outside host).

:class:`RobotImitation` is a real HTTP server on 127.0.0.1 that answers as DingTalk's custom
robot (``/robot/send?access_token=…[&timestamp=…&sign=…]``) and WeCom's group robot
(``/cgi-bin/webhook/send?key=…``) do: it checks DingTalk's signature and its timestamp (within an
hour), the robot's keywords, each service's byte limits, and counts each robot's messages over the
last minute, answering DingTalk's errcode 130101 (and blocking the robot for ten minutes) or
WeCom's 45009 above the limit. It can also answer 500, take too long, or hold a request until told
to answer (to kill a worker mid-send). Its ``clock`` (seconds, ``time.time`` by default) is what
it counts minutes and checks timestamps by; a test moves it on to play the next minute.

:class:`SmtpImitation` is a small SMTP server on 127.0.0.1 that keeps the e-mails it receives."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socketserver
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    service: str
    token: str
    payload: dict
    at: float
    answer: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        p = self.payload
        kind = p.get("msgtype", "")
        body = p.get(kind, {})
        return body.get("text") or body.get("content") or ""


class RobotImitation:
    def __init__(self, *, per_minute: int = 20, block_seconds: float = 600):
        self.per_minute = per_minute
        self.block_seconds = block_seconds
        #: DingTalk token → secret (signed robots); tokens not named accept unsigned requests
        self.secrets: dict[str, str] = {}
        #: DingTalk token → keywords (a message must contain one)
        self.keywords: dict[str, list[str]] = {}
        #: tokens/keys that exist; empty: every token exists
        self.known: set[str] = set()
        self.received: list[Received] = []
        #: answered with a rate-limit error (not counted in ``received``)
        self.limited: list[Received] = []
        #: the next N requests answer HTTP ``fail_status``
        self.fail_next = 0
        self.fail_status = 500
        #: requests whose payload this says yes to answer HTTP ``fail_status``
        self.fail_if = None
        #: seconds to wait before answering
        self.delay = 0.0
        #: when set, requests wait for it before answering (``arrived`` is set on arrival)
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()
        #: requests that reached the imitation, answered or not
        self.arrivals = 0
        #: the token or key of each request, in order of arrival
        self.arrival_tokens: list[str] = []
        #: seconds to wait before answering one robot (token or key → seconds)
        self.delay_for: dict[str, float] = {}
        #: seconds now (the imitation's idea of the time)
        self.clock = time.time
        self._sent: dict[str, deque] = defaultdict(deque)
        self._blocked: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- the server -----------------------------------------------------------------------------

    def start(self) -> str:
        imitation = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, answer = imitation._answer(self.path, raw)
                body = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self.base

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def dingtalk_webhook(self, token: str) -> str:
        return f"{self.base}/robot/send?access_token={token}"

    def wecom_webhook(self, key: str) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def for_token(self, token: str) -> list[Received]:
        return [r for r in self.received if r.token == token]

    def max_per_minute(self, token: str | None = None) -> int:
        """The most messages one robot (or ``token``) received in any 60 s."""
        best = 0
        by: dict[str, list[float]] = defaultdict(list)
        for r in self.received:
            if token is None or r.token == token:
                by[r.token].append(r.at)
        for times in by.values():
            times.sort()
            j = 0
            for i, t in enumerate(times):
                while times[j] <= t - 60:
                    j += 1
                best = max(best, i - j + 1)
        return best

    # --- answering ------------------------------------------------------------------------------

    def _answer(self, path: str, raw: bytes) -> tuple[int, dict]:
        parts = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        token = query.get("access_token") or query.get("key") or ""
        with self._lock:
            self.arrivals += 1
            self.arrival_tokens.append(token)
        hold = self.hold
        if hold is not None:
            self.arrived.set()
            hold.wait(timeout=60)
        delay = self.delay_for.get(token, self.delay)
        if delay:
            time.sleep(delay)
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_status, {"error": "server error"}
        try:
            payload = json.loads(raw.decode("utf-8"))
        except ValueError:
            return 400, {"errcode": 40001, "errmsg": "invalid json"}
        if self.fail_if is not None and self.fail_if(payload):
            return self.fail_status, {"error": "server error"}
        if parts.path == "/robot/send":
            return 200, self._dingtalk(query, payload)
        if parts.path == "/cgi-bin/webhook/send":
            return 200, self._wecom(query, payload)
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _count(self, service: str, token: str, payload: dict, limited_code: int, msg: str):
        now = self.clock()
        with self._lock:
            if self._blocked.get(token, 0) > now:
                self.limited.append(Received(service, token, payload, now))
                return {"errcode": limited_code, "errmsg": msg}
            sent = self._sent[token]
            while sent and sent[0] <= now - 60:
                sent.popleft()
            if len(sent) >= self.per_minute:
                if service == "dingtalk":
                    self._blocked[token] = now + self.block_seconds
                self.limited.append(Received(service, token, payload, now))
                return {"errcode": limited_code, "errmsg": msg}
            sent.append(now)
            self.received.append(Received(service, token, payload, now))
        return {"errcode": 0, "errmsg": "ok"}

    def _dingtalk(self, query: dict, payload: dict) -> dict:
        token = query.get("access_token", "")
        if not token or (self.known and token not in self.known):
            return {"errcode": 300001, "errmsg": "token is not exist"}
        secret = self.secrets.get(token)
        if secret is not None:
            stamp, sign = query.get("timestamp", ""), query.get("sign", "")
            try:
                fresh = abs(self.clock() * 1000 - int(stamp)) < 3600 * 1000
            except ValueError:
                fresh = False
            if not fresh:
                return {"errcode": 310000, "errmsg": "invalid timestamp"}
            digest = hmac.new(
                secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256
            ).digest()
            if not hmac.compare_digest(base64.b64encode(digest).decode(), sign):
                return {"errcode": 310000, "errmsg": "sign not match"}
        kind = payload.get("msgtype")
        body = payload.get(kind) or {}
        text = body.get("text") or body.get("content") or ""
        if kind not in ("text", "markdown", "actionCard", "link", "feedCard") or not text:
            return {"errcode": 40035, "errmsg": "缺少参数 json"}
        if len(text.encode("utf-8")) > 20000:
            return {"errcode": 460101, "errmsg": "message too long"}
        words = self.keywords.get(token)
        title = body.get("title", "")
        if words and not any(w in text or w in title for w in words):
            return {"errcode": 310000, "errmsg": "keywords not in content"}
        return self._count(
            "dingtalk", token, payload, 130101, "send too fast, exceed 20 times per minute"
        )

    def _wecom(self, query: dict, payload: dict) -> dict:
        key = query.get("key", "")
        if not key or (self.known and key not in self.known):
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        kind = payload.get("msgtype")
        content = (payload.get(kind) or {}).get("content") or ""
        limit = {"markdown": 4096, "text": 2048}.get(kind)
        if limit is None or not content:
            return {"errcode": 40008, "errmsg": "invalid message type"}
        if len(content.encode("utf-8")) > limit:
            return {"errcode": 40058, "errmsg": f"content exceed max length {limit}"}
        return self._count("wecom", key, payload, 45009, "api freq out of limit")


# --- e-mail -------------------------------------------------------------------------------------


class SmtpImitation:
    """A small SMTP server on 127.0.0.1 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS,
    no login) that keeps what it receives in ``received`` as :class:`email.message.EmailMessage`
    objects, with ``envelope`` the recipients of each."""

    def __init__(self):
        self.received: list = []
        self.envelopes: list[list[str]] = []
        self._server: socketserver.ThreadingTCPServer | None = None

    def start(self) -> int:
        imitation = self

        class Handler(socketserver.StreamRequestHandler):
            def say(self, line: str) -> None:
                self.wfile.write(line.encode("ascii") + b"\r\n")
                self.wfile.flush()

            def handle(self):
                self.say("220 localhost SafeCampus test SMTP")
                recipients: list[str] = []
                while True:
                    raw = self.rfile.readline(65536)
                    if not raw:
                        return
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = line[:4].upper()
                    if verb == "EHLO":
                        self.say("250-localhost")
                        self.say("250-8BITMIME")
                        self.say("250 SMTPUTF8")
                    elif verb == "HELO":
                        self.say("250 localhost")
                    elif verb == "MAIL":
                        recipients = []
                        self.say("250 OK")
                    elif verb == "RCPT":
                        recipients.append(line.split(":", 1)[1].strip().strip("<>").split(">")[0])
                        self.say("250 OK")
                    elif verb == "DATA":
                        self.say("354 End data with <CR><LF>.<CR><LF>")
                        data = bytearray()
                        while True:
                            chunk = self.rfile.readline(1 << 20)
                            if not chunk or chunk in (b".\r\n", b".\n"):
                                break
                            if chunk.startswith(b".."):
                                chunk = chunk[1:]
                            data += chunk
                        imitation.received.append(
                            email.message_from_bytes(bytes(data), policy=email.policy.default)
                        )
                        imitation.envelopes.append(recipients)
                        self.say("250 OK queued")
                    elif verb in ("RSET", "NOOP"):
                        self.say("250 OK")
                    elif verb == "QUIT":
                        self.say("221 Bye")
                        return
                    else:
                        self.say("502 Command not implemented")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self.port

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
