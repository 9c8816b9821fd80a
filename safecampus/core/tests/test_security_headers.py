"""Security headers: the Content-Security-Policy of HTML pages, templates that need no inline
script or handler, and HSTS with secure cookies under SAFECAMPUS_HTTPS=1."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client, override_settings

from safecampus.core.roles import Role


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def test_html_pages_send_a_strict_policy(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.get("/")
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src-elem"] == ["'self'"]
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["font-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # nothing else is allowed anywhere: no host, no 'unsafe-eval', no inline script
    values = {v for vs in policy.values() for v in vs}
    assert values <= {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    html = response.content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false' in html


def test_a_page_with_inline_script_or_style_gets_a_fresh_nonce(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    nonces = []
    for _ in range(2):
        response = client.get("/api/docs/")
        assert response.status_code == 200
        policy = _policy(response)
        nonce = next(v for v in policy["script-src"] if v.startswith("'nonce-"))
        assert policy["style-src-elem"] == ["'self'", nonce]
        value = nonce[len("'nonce-") : -1]
        html = response.content.decode()
        assert f'<script nonce="{value}">' in html
        assert f'<style nonce="{value}">' in html
        nonces.append(value)
    assert nonces[0] != nonces[1]
    response = client.get("/dashboard/print/")
    assert response.status_code == 200
    nonce = next(v for v in _policy(response)["style-src-elem"] if v.startswith("'nonce-"))
    assert f'<style nonce="{nonce[7:-1]}">' in response.content.decode()


TEMPLATE_DIRS = [
    Path(settings.BASE_DIR) / "templates",
    *Path(settings.BASE_DIR).glob("safecampus/*/templates"),
]


def test_templates_have_no_inline_script_or_event_handler_without_nonce():
    problems = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text()
            for match in re.finditer(r"<script\b[^>]*>", text):
                tag = match.group(0)
                if "src=" not in tag and "nonce=" not in tag and "application/json" not in tag:
                    problems.append(f"{path}: {tag}")
            for match in re.finditer(r"<style\b[^>]*>", text):
                if "nonce=" not in match.group(0):
                    problems.append(f"{path}: {match.group(0)}")
            for match in re.finditer(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", text):
                problems.append(f"{path}: {match.group(1)}=")
            if "javascript:" in text:
                problems.append(f"{path}: javascript: URL")
    assert not problems, "\n".join(problems)


def test_api_answers_carry_no_html_policy_problem(world, client):
    # JSON answers also get the header (harmless), and no nonce is minted for them
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "nonce" not in response["Content-Security-Policy"]


def _settings_under(env: dict) -> dict:
    code = (
        "import json, config.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
        "['SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'LANGUAGE_COOKIE_SECURE', "
        "'SECURE_PROXY_SSL_HEADER']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SAFECAMPUS_HTTPS")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_https_switch_turns_on_hsts_and_secure_cookies():
    on = _settings_under({"SAFECAMPUS_HTTPS": "1"})
    assert on == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    off = _settings_under({})
    assert off["SECURE_HSTS_SECONDS"] is None
    assert off["SESSION_COOKIE_SECURE"] is None
    assert off["SECURE_PROXY_SSL_HEADER"] is None


@override_settings(
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_hsts_header_over_https_only(db):
    client = Client()
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    response = client.get("/accounts/login/")
    assert "Strict-Transport-Security" not in response
