"""The `web:` section of config.yaml: where the HTTP listener binds, and its status page.

The listener always serves webhook sources, /healthz, /readyz and /metrics. The status page
(overview, live stream, alert details, look-up) is served on the same address; it shows what
the store holds about the watched entities, so off the loopback interface it must be behind
`web.auth` (a bearer token or a basic-auth user), checked by `exposure_problem` at load.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warden.detect.localtime import check_zone
from warden.yamlfile import PathError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BasicAuth(_Section):
    username: str = Field(min_length=1, description="User name the browser asks for.")
    password: str = Field(
        min_length=1, description="Its password, as ${ENV_VAR} (never written in the file)."
    )


class WebAuth(_Section):
    """One way to prove who may read the status page: `token` or `basic`, not both."""

    token: str | None = Field(
        default=None,
        min_length=16,
        description="Secret token (at least 16 characters), as ${ENV_VAR}: sent as "
        "`Authorization: Bearer <token>`, or once as `?token=<token>`, which sets an HttpOnly "
        "cookie for the browser.",
    )
    basic: BasicAuth | None = Field(
        default=None, description="HTTP basic authentication: username and password."
    )

    @model_validator(mode="after")
    def _one_way(self) -> WebAuth:
        if self.token is None and self.basic is None:
            raise ValueError("set exactly one of `token` or `basic`")
        if self.token is not None and self.basic is not None:
            raise PathError(("basic",), "set exactly one of `token` or `basic`")
        return self


class WebSettings(_Section):
    host: str = Field(
        default="127.0.0.1",
        description="Address of the HTTP listener (status page, /healthz, /readyz, /metrics, "
        "webhook sources). Loopback by default; 0.0.0.0 exposes it to the network, which "
        "needs web.auth while the status page is on.",
    )
    port: int = Field(
        default=8787, ge=0, le=65535, description="Port of the HTTP listener (0: any free port)."
    )
    status_page: bool = Field(
        default=True,
        description="Serve the status page (/, /stream, /alerts/<id>, /lookup). false: only "
        "webhooks, /healthz, /readyz and /metrics answer.",
    )
    auth: WebAuth | None = Field(
        default=None,
        description="Who may read the status page. Required when the listener is not on "
        "loopback. Webhooks, /healthz, /readyz and /metrics are not affected.",
    )
    language: Literal["en", "fr"] = Field(
        default="en", description="Language of the status page (a visitor may add ?lang=fr)."
    )
    timezone: str | None = Field(
        default=None,
        description="IANA time zone the status page shows times in. Default: the config's "
        "top-level timezone.",
        examples=["Europe/Paris"],
    )
    public_url: str | None = Field(
        default=None,
        description="Address at which readers reach the status page (behind your proxy), "
        "without a trailing slash. Set, chat messages (Slack, Discord, Telegram, Markdown) "
        "and e-mails link each alert to {public_url}/alerts/<id> and to its chart, "
        "{public_url}/charts/alert/<id>.png. Unset: no links.",
        examples=["https://warden.example.com"],
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str | None) -> str | None:
        return None if v is None else check_zone(v)

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, v: str | None) -> str | None:
        if v is None:
            return None
        url = v.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url, re.IGNORECASE):
            raise ValueError(
                f"{v!r} is not an http(s) address (expected e.g. https://warden.example.com)"
            )
        return url


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or name) only accepts connections from this machine."""
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name that may resolve to anything: not provably local


def exposure_problem(web: WebSettings, hosts: list[str]) -> str | None:
    """Why the status page may not be served on `hosts` (where the listener binds), or None."""
    if not web.status_page or web.auth is not None:
        return None
    exposed = [h for h in hosts if not is_loopback(h)]
    if not exposed:
        return None
    return (
        f"web.auth is required: the status page would be readable by anyone who can reach "
        f"{exposed[0]}; set web.auth (token: ${{WARDEN_WEB_TOKEN}}, or basic: username and "
        "password), or listen on 127.0.0.1 behind a reverse proxy, or set "
        "web.status_page: false"
    )


def proxy_warning(web: WebSettings) -> str | None:
    """A warning for a status page published through a proxy (`public_url` set) without
    `web.auth`: Warden sees the proxy as a local client, so it cannot refuse anyone."""
    if not web.status_page or web.auth is not None or web.public_url is None:
        return None
    return (
        f"web.public_url: the status page is published at {web.public_url} but web.auth is "
        "not set: anyone who reaches that address reads it, unless the proxy asks who they "
        "are; set web.auth (token or basic)"
    )
