"""``return_to`` against the allow-list, as Kratos's ``SecureRedirectTo``."""

from __future__ import annotations

import pytest

from roost.identity.errors import KratosError
from roost.identity.selfservice.return_to import ReturnTo

POLICY = ReturnTo(
    ["https://app.example.com/dashboard", "https://*.example.org/"], "https://app.example.com/"
)


@pytest.mark.parametrize(
    ("raw", "resolved"),
    [
        ("https://app.example.com/dashboard/x?y=1", "https://app.example.com/dashboard/x?y=1"),
        ("https://APP.example.com/", "https://APP.example.com/"),
        ("/dashboard", "https://app.example.com/dashboard"),
        ("/anything", "https://app.example.com/anything"),  # under the default URL's path
        ("https://a.b.example.org/deep", "https://a.b.example.org/deep"),
        ("https://user@app.example.com/", "https://user@app.example.com/"),
    ],
)
def test_allowed(raw: str, resolved: str) -> None:
    assert POLICY.check(raw) == resolved


@pytest.mark.parametrize(
    "raw",
    [
        "https://evil.example/",
        "//evil.example/dashboard",
        "http://app.example.com/dashboard",  # scheme differs
        "https://app.example.com.evil.example/",
        "https://app.example.com@evil.example/",
        "https://example.org.evil/",
        "javascript:alert(1)",
    ],
)
def test_refused(raw: str) -> None:
    with pytest.raises(KratosError) as exc:
        POLICY.check(raw)
    assert exc.value.status == 400
    assert exc.value.error_id == "self_service_flow_return_to_forbidden"


def test_absent_falls_back() -> None:
    assert POLICY.check(None) is None
    assert POLICY.resolve("", "https://app.example.com/after") == "https://app.example.com/after"
    assert POLICY.resolve(None) == "https://app.example.com/"


def test_malformed_is_a_400() -> None:
    with pytest.raises(KratosError) as exc:
        POLICY.check("https://app.example.com:99999999/")
    assert exc.value.status == 400
