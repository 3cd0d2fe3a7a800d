"""``oauth2.token_hook``: a webhook that may set a grant's custom claims before tokens are minted.

As Hydra's ``oauth2/token_hook.go``: for every token endpoint grant the
server POSTs ``{"session": ..., "request": {client_id, requested_scopes,
granted_scopes, granted_audience, grant_types, payload}}`` (JSON) to the hook,
with its optional API key in a header or cookie. The answer decides:

- ``204``: nothing changes;
- ``200`` with ``{"session": {"access_token": {...}, "id_token": {...}}}``:
  those objects *replace* the access token's extra claims (``ext``) and the
  ID token's custom claims (the consent's ``session`` values);
- ``403``: the request fails with ``access_denied``;
- anything else, an unreachable hook or a body that is not that JSON:
  ``server_error`` (Hydra's answer; nothing is minted or stored).

``oauth2.refresh_token_hook`` (Hydra's older hook) works the same for the
``refresh_token`` grant only, with its own body (``subject``, ``session``,
``requester``, ``client_id``, ``granted_scopes``, ``granted_audience``); it
runs before ``token_hook``, which then sees its result, as in Hydra.

The answer is read up to 5 MiB and checked like any stored body (depth,
text) before use. There is no retry (Hydra's client retries transport errors);
the timeout is 10 s. The API key is configuration, never logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from roost.core.errors import Invalid
from roost.core.limits import check_tree
from roost.oauth2.rfc6749.errors import AccessDenied, ServerError

MAX_ANSWER = 5 << 20


@dataclass(frozen=True)
class HookConfig:
    url: str
    key_in: str = ""  # "header" or "cookie"; "" without authentication
    key_name: str = ""
    key_value: str = field(default="", repr=False)

    @classmethod
    def parse(cls, value: Any) -> HookConfig | None:
        """Hydra's two spellings: a URL, or ``{url, auth: {type: api_key, config: {...}}}``."""
        if not value:
            return None
        if isinstance(value, str):
            return cls(value)
        auth = (value.get("auth") or {}).get("config") or {}
        return cls(value["url"], auth.get("in", "header") if auth else "",
                   auth.get("name", ""), auth.get("value", ""))  # fmt: skip


@dataclass(frozen=True)
class HookCall:
    """What the hook is told about one grant."""

    client_id: str
    grant_type: str
    subject: str
    requested_scope: list[str]
    granted_scope: list[str]
    granted_audience: list[str]
    extra: dict[str, Any]
    id_token_claims: dict[str, Any]
    id_extra: dict[str, Any]
    request_id: str


@dataclass(frozen=True)
class HookAnswer:
    access_extra: dict[str, Any]
    id_extra: dict[str, Any]


class Poster(Protocol):
    async def __call__(
        self, hook: HookConfig, body: bytes
    ) -> tuple[int, bytes]:  # status, body (cut at MAX_ANSWER); OSError if unreachable
        ...


async def http_post(hook: HookConfig, body: bytes) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    cookies = {}
    if hook.key_in == "header" and hook.key_name:
        headers[hook.key_name] = hook.key_value
    elif hook.key_in == "cookie" and hook.key_name:
        cookies[hook.key_name] = hook.key_value
    try:
        async with (
            httpx.AsyncClient(timeout=10, follow_redirects=False, cookies=cookies) as http,
            http.stream("POST", hook.url, content=body, headers=headers) as response,
        ):
            answer = b""
            async for chunk in response.aiter_bytes():
                answer += chunk
                if len(answer) > MAX_ANSWER:
                    break
            return response.status_code, answer[:MAX_ANSWER]
    except httpx.HTTPError as exc:
        raise OSError(type(exc).__name__) from exc


class TokenHook:
    def __init__(
        self, hook: HookConfig, post: Poster = http_post, *, refresh_only: bool = False
    ) -> None:
        self.hook = hook
        self.post = post
        self.refresh_only = refresh_only  # ``oauth2.refresh_token_hook``

    async def __call__(self, call: HookCall) -> HookAnswer | None:
        """The claims to use instead, None to keep them; AccessDenied or ServerError."""
        if self.refresh_only and call.grant_type != "refresh_token":
            return None
        body = _refresh_body(call) if self.refresh_only else _body(call)
        try:
            status, answer = await self.post(self.hook, json.dumps(body).encode())
        except OSError:
            raise ServerError(
                "An error occurred while executing the token hook.", debug="unreachable"
            ) from None
        if status == 204:
            return None
        if status == 403:
            raise AccessDenied("The token hook target responded with an error.")
        if status != 200:
            raise ServerError(
                "The token hook target responded with an error.", debug=f"HTTP {status}"
            )
        return _answer(answer)


def token_hooks(refresh_token_hook: Any, token_hook: Any) -> list[TokenHook]:
    """The configured hooks in Hydra's order: ``refresh_token_hook``, then ``token_hook``."""
    out = []
    if refresh := HookConfig.parse(refresh_token_hook):
        out.append(TokenHook(refresh, refresh_only=True))
    if every := HookConfig.parse(token_hook):
        out.append(TokenHook(every))
    return out


def _refresh_body(call: HookCall) -> dict[str, Any]:
    """Hydra's ``RefreshTokenHookRequest``."""
    granted = {"client_id": call.client_id, "granted_scopes": call.granted_scope,
               "granted_audience": call.granted_audience}  # fmt: skip
    return {
        "subject": call.subject,
        "session": _body(call)["session"],
        "requester": {**granted, "grant_types": [call.grant_type]},
        **granted,
    }


def _body(call: HookCall) -> dict[str, Any]:
    id_claims = {**call.id_token_claims, "ext": call.id_extra}
    session = {
        "id_token": {"id_token_claims": id_claims, "headers": {"extra": {}}, "expires_at": {},
                     "username": "", "subject": call.subject},
        "extra": call.extra,
        "kid": "",
        "client_id": call.client_id,
        "consent_challenge": call.request_id,
        "exclude_not_before_claim": False,
        "allowed_top_level_claims": [],
        "mirror_top_level_claims": False,
    }  # fmt: skip
    request = {
        "client_id": call.client_id,
        "requested_scopes": call.requested_scope,
        "granted_scopes": call.granted_scope,
        "granted_audience": call.granted_audience,
        "grant_types": [call.grant_type],
        "payload": {},
    }
    return {"session": session, "request": request}


def _answer(raw: bytes) -> HookAnswer:
    bad = ServerError("The token hook target responded with an error.", debug="bad body")
    try:
        body = json.loads(raw)
        check_tree(body, "token hook answer")
    except (ValueError, Invalid):
        raise bad from None
    session = body.get("session") if isinstance(body, dict) else None
    if not isinstance(session, dict):
        raise bad
    access, id_token = session.get("access_token") or {}, session.get("id_token") or {}
    if not isinstance(access, dict) or not isinstance(id_token, dict):
        raise bad
    return HookAnswer(access, id_token)
