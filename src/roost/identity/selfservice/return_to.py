"""Where a browser may be sent after a flow: ``return_to`` against an allow-list.

As Kratos's ``SecureRedirectTo``: a relative ``return_to`` takes the scheme
and host of the default return URL; it is allowed when some allowed URL has
the same scheme, the same host (or a ``*.example.com`` suffix) and a path
that prefixes it. The allow-list is ``selfservice.allowed_return_urls`` plus
the default browser return URL and the public base URL, so an open redirect
through ``return_to`` is refused with 400 ``self_service_flow_return_to_forbidden``
before any flow is created.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit, urlunsplit

from roost.identity.errors import KratosError

_MALFORMED = "The request was malformed or contained invalid parameters"


def _host_allowed(host: str, allowed: str) -> bool:
    if allowed.startswith("*"):
        return host.lower().endswith(allowed[1:].lower())
    return host.lower() == allowed.lower()


def forbidden(url: str) -> KratosError:
    return KratosError(
        400,
        "self_service_flow_return_to_forbidden",
        f"Requested return_to URL {url!r} is not allowed.",
        message=_MALFORMED,
    )


class ReturnTo:
    """The allow-list of return URLs, and the default each flow falls back to."""

    def __init__(self, allowed: Iterable[str], default: str) -> None:
        self.default = default
        self.allowed = [urlsplit(u) for u in (*allowed, default) if u]

    def _parse(self, raw: str) -> SplitResult:
        try:
            url = urlsplit(raw)
            url.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise KratosError(
                400,
                None,
                "Unable to parse the return_to query parameter as an URL.",
                message=_MALFORMED,
            ) from None
        base = urlsplit(self.default)
        return url._replace(scheme=url.scheme or base.scheme, netloc=url.netloc or base.netloc)

    def check(self, raw: str | None) -> str | None:
        """``raw`` made absolute when it is allowed, None when absent; else the 400."""
        if not raw:
            return None
        url = self._parse(raw)
        for allowed in self.allowed:
            if (
                allowed.scheme.lower() == url.scheme.lower()
                and _host_allowed(url.netloc.rpartition("@")[2], allowed.netloc)
                and (url.path or "/").startswith(allowed.path or "/")
            ):
                return urlunsplit(url)
        raise forbidden(urlunsplit(url))

    def resolve(self, raw: str | None, fallback: str | None = None) -> str:
        """The checked ``return_to``, else ``fallback``, else the default return URL."""
        return self.check(raw) or fallback or self.default
