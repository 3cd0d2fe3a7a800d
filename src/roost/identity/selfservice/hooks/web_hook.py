"""One ``web_hook`` call, as Kratos's ``selfservice/hook/web_hook.go`` makes it.

The body is the hook's Jsonnet template evaluated with the context as its
``ctx`` argument (the ``jsonnet`` binding), or the context itself when no
template is configured. Answers are read as Kratos reads them: with
``can_interrupt`` or ``response.parse`` a 4xx/5xx ``{"messages": [...]}``
becomes form messages (:class:`Interrupted`); any other 4xx/5xx is 502,
a timeout 504, an unreachable receiver 502 — never a 500. Logs name the
hook's URL and the status only, never the context (it holds traits).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import _jsonnet  # type: ignore[import-untyped]
import httpx

from roost.identity.errors import KratosError
from roost.identity.selfservice.hooks.config import WebHookConfig

log = logging.getLogger("roost.identity.hooks")
MAX_ANSWER = 5 << 20
TIMEOUT = httpx.Timeout(30.0)


@dataclass(frozen=True)
class HookMessage:
    """A message a hook returned for one field (``instance_ptr``) or the form (``#/``)."""

    instance_ptr: str
    message: dict[str, Any]

    @property
    def node_name(self) -> str:
        """``#/traits/email`` → ``traits.email``; ``""`` for the form itself."""
        return ".".join(p for p in self.instance_ptr.lstrip("#").split("/") if p)


class Interrupted(Exception):
    """The hook answered with messages: the flow is shown again with them."""

    def __init__(self, messages: list[HookMessage]) -> None:
        super().__init__("web hook interrupted the flow")
        self.messages = messages


def upstream_error(status: int, reason: str, detail: str) -> KratosError:
    return KratosError(status, None, reason, message=detail)


BAD_GATEWAY = "A third-party upstream service responded improperly. Please try again later."
TEMPLATE_FAILED = "The web hook's body template could not be evaluated."
TIMED_OUT = "A third-party upstream service could not be reached. Please try again later."


def render(cfg: WebHookConfig, context: dict[str, Any]) -> bytes | None:
    """The request body: the template's output, or the context as JSON; None when the
    template says ``error "cancel"`` (Kratos then skips the call)."""
    data = json.dumps(context, default=str)
    if cfg.template is None:
        return data.encode()
    try:
        out = _jsonnet.evaluate_snippet(cfg.template_uri, cfg.template, tla_codes={"ctx": data})
    except RuntimeError as exc:
        if "RUNTIME ERROR: cancel" in str(exc):
            return None
        # the message may quote the context (traits): log where, not what
        log.warning("web hook body template %s failed", cfg.template_uri[:60])
        raise upstream_error(502, TEMPLATE_FAILED, "Bad Gateway") from None
    return str(out).encode()


def _request_parts(cfg: WebHookConfig) -> tuple[dict[str, str], dict[str, str], httpx.Auth | None]:
    headers = {"Content-Type": "application/json", **dict(cfg.headers)}
    cookies: dict[str, str] = {}
    auth: httpx.Auth | None = None
    a = cfg.auth
    if a is not None and a.type == "api_key":
        (cookies if a.where == "cookie" else headers)[a.name] = a.value
    elif a is not None:
        auth = httpx.BasicAuth(a.name, a.value)
    return headers, cookies, auth


def _messages(answer: httpx.Response) -> list[HookMessage]:
    try:
        raw = answer.json()
    except ValueError:
        return []
    out = []
    for entry in raw.get("messages") or [] if isinstance(raw, dict) else []:
        if not isinstance(entry, dict):
            continue
        for m in entry.get("messages") or []:
            if isinstance(m, dict):
                msg: dict[str, Any] = {
                    "id": m.get("id", 0),
                    "text": str(m.get("text", "")),
                    "type": "error" if m.get("type") == "error" else "info",
                }
                if m.get("context") is not None:
                    msg["context"] = m["context"]
                out.append(HookMessage(str(entry.get("instance_ptr", "#/")), msg))
    return out


def _identity_patch(answer: httpx.Response) -> dict[str, Any] | None:
    """``response.parse``: the ``identity`` of a 200 answer (204 or no identity: none)."""
    if answer.status_code != 200:
        return None
    try:
        raw = answer.json()
    except ValueError:
        raise upstream_error(502, BAD_GATEWAY, "webhook response is not JSON") from None
    ident = raw.get("identity") if isinstance(raw, dict) else None
    return ident if isinstance(ident, dict) else None


async def call(
    client: httpx.AsyncClient, cfg: WebHookConfig, context: dict[str, Any]
) -> dict[str, Any] | None:
    """Make the call; the identity patch when ``parse`` is on and the hook sent one."""
    body = render(cfg, context)
    if body is None:
        return None
    headers, cookies, auth = _request_parts(cfg)
    req = client.build_request(cfg.method, cfg.url, content=body, headers=headers, cookies=cookies)
    try:
        answer = await client.send(req, auth=auth) if auth else await client.send(req)
    except httpx.TimeoutException:
        log.warning("web hook %s timed out", cfg.url)
        raise upstream_error(504, TIMED_OUT, "Gateway Timeout") from None
    except httpx.HTTPError as exc:
        log.warning("web hook %s failed: %s", cfg.url, type(exc).__name__)
        raise upstream_error(502, TIMED_OUT, "Bad Gateway") from None
    if len(answer.content) > MAX_ANSWER:
        raise upstream_error(502, BAD_GATEWAY, "webhook response too large")
    if answer.status_code >= 400:
        log.warning("web hook %s answered %d", cfg.url, answer.status_code)
        if cfg.blocking_before_persist:
            found = _messages(answer)
            if found:
                raise Interrupted(found)
        raise upstream_error(
            502, BAD_GATEWAY, f"webhook failed with status code {answer.status_code}"
        )
    return _identity_patch(answer) if cfg.parse else None
