"""Request parsing shared by the read and write routers."""

from __future__ import annotations

from starlette.requests import Request

from roost.core.errors import Invalid


def max_depth(request: Request) -> int:
    """``max-depth`` as Keto parses it (Go's ParseInt with base prefixes); absent means 0."""
    raw = request.query_params.get("max-depth")
    if raw is None:
        return 0
    try:
        value = int(raw, 0)
    except ValueError:
        raise Invalid(f'strconv.ParseInt: parsing "{raw}": invalid syntax') from None
    if not -(2**63) <= value < 2**63:
        raise Invalid(f'strconv.ParseInt: parsing "{raw}": value out of range')
    return value


def single_params(request: Request) -> dict[str, str]:
    """Query parameters as a plain dict; a repeated key is ambiguous and rejected."""
    params = request.query_params
    repeated = [k for k in params if len(params.getlist(k)) > 1]
    if repeated:
        raise Invalid(f"query parameter {repeated[0]!r} must be given once")
    return dict(params)
