"""The parts of an HTTP request a web hook's context shows (Kratos's ``templateContext``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ALLOWED_HEADERS = frozenset(
    h.lower()
    for h in (
        "Accept", "Accept-Encoding", "Accept-Language", "Content-Length", "Content-Type",
        "Origin", "Priority", "Referer", "Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform",
        "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User",
        "True-Client-Ip", "User-Agent",
    )
)  # fmt: skip
"""Kratos's default ``webhook_header_allowlist``: no ``Authorization`` or ``Cookie``."""


@dataclass(frozen=True)
class HookRequest:
    """The parts of the HTTP request a hook's context shows."""

    method: str = "GET"
    url: str = ""
    headers: dict[str, list[str]] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


def hook_request(
    method: str, url: str, headers: Mapping[str, str], cookies: dict[str, str]
) -> HookRequest:
    """A :class:`HookRequest` from Starlette's request parts, headers filtered."""
    kept: dict[str, list[str]] = {}
    for name, value in headers.items():
        if name.lower() in ALLOWED_HEADERS:
            kept.setdefault("-".join(p.capitalize() for p in name.split("-")), []).append(value)
    return HookRequest(method, url, kept, dict(cookies))
