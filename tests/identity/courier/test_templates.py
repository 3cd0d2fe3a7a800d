"""Built-in texts, ``courier.templates`` overrides (Jinja2, or Go's field-printing actions)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from roost.core.errors import ConfigError
from roost.identity.courier.templates import from_go, load_templates
from roost.identity.schemas.manager import fetch_document


def b64(text: str) -> str:
    return "base64://" + base64.urlsafe_b64encode(text.encode()).decode()


def test_go_field_actions_read_as_jinja() -> None:
    assert from_go("{{ .RecoveryCode }}") == "{{ RecoveryCode }}"
    assert from_go("{{- .Identity.traits.email -}}") == "{{- Identity.traits.email -}}"
    assert from_go("{{ RecoveryCode }}") == "{{ RecoveryCode }}"


async def test_builtin_and_overrides(tmp_path: Path) -> None:
    folder = tmp_path / "tpl" / "recovery_code" / "invalid"
    folder.mkdir(parents=True)
    (folder / "email.subject.gotmpl").write_text("No account for {{ .To }}")
    configured = {
        "verification_code": {
            "valid": {
                "email": {
                    "subject": b64("Code {{ .VerificationCode }}"),
                    "body": {"html": b64("<b>{{ VerificationCode }}</b> {{ To }}")},
                }
            }
        }
    }
    t = await load_templates(
        configured, str(tmp_path / "tpl"), lambda url: fetch_document(url, tmp_path, "t")
    )
    model = {"VerificationCode": "123456", "To": "<a@b.c>", "VerificationURL": "u"}
    r = t.render("verification_code_valid", model)
    assert r.subject == "Code 123456"
    assert r.html == "<b>123456</b> &lt;a@b.c&gt;"  # HTML autoescaped
    assert "123456" in r.plaintext  # the built-in plaintext is kept
    assert t.render("recovery_code_invalid", {"To": "x@y.z"}).subject == "No account for x@y.z"
    assert "123456" in t.render("recovery_code_valid", {"RecoveryCode": "123456"}).plaintext


async def test_a_template_that_does_not_parse_stops_start_up(tmp_path: Path) -> None:
    configured = {"recovery": {"valid": {"email": {"subject": b64("{{ if .X }}")}}}}
    with pytest.raises(ConfigError, match="recovery_valid subject uses Go"):
        await load_templates(configured, None, lambda url: fetch_document(url, tmp_path, "t"))


async def test_templates_are_sandboxed(tmp_path: Path) -> None:
    evil = b64("{{ ''.__class__.__mro__ }}")
    configured = {"recovery": {"valid": {"email": {"subject": evil}}}}
    t = await load_templates(configured, None, lambda url: fetch_document(url, tmp_path, "t"))
    assert "class" not in t.render("recovery_valid", {}).subject  # private attributes: undefined
