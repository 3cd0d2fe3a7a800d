"""Sign in with Roost, end to end in headless Chromium (issue 14).

One ``roost serve`` runs identity, OAuth2 and the account UI wired together; a
relying party on Authlib starts the code flow with PKCE and a real browser does
the rest: a new user registers, verifies the e-mail with the code from a real
SMTP server, signs in and consents; the RP verifies the ID token against the
JWKS, calls userinfo and refreshes. The user enrols TOTP, the RP logs out
(RP-initiated), and the next sign-in takes the second factor and skips the
remembered consent. Then a passkey is registered and used through Chromium's
virtual authenticator, and a last sign-in uses the keyboard alone (unchecking
"keep me signed in" on the way: a browser-session cookie). The password
is recovered by e-mail code on the way, after TOTP is enrolled, so recovery asks
for the second factor before the settings page. Every page is screenshotted
(``test-artefacts/account``) and checked with axe-core (no serious or critical
finding).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest

from tests.account.browser import ARGS, CHROMIUM, RP, Shots, need_browser
from tests.account.stack import PASSWORD, Stack, start_stack

NEW_PASSWORD = "Recovered-Roost-0030!"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    need_browser()
    tmp = tmp_path_factory.mktemp(f"sign-in-{uuid.uuid4().hex[:6]}")
    dsns = {k: f"sqlite:///{tmp / f'{k}.sqlite'}" for k in ("identity", "oauth2")}
    s = start_stack(tmp, dsns)
    yield s
    s.stop()


class Journey:
    """One browser page walking the flows, a screenshot and an axe check per page."""

    def __init__(self, page: Any, stack: Stack, shots: Shots) -> None:
        self.page, self.stack, self.shots = page, stack, shots
        self.visited: list[str] = []
        self.violations: dict[str, list[str]] = {}
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.visited.append(frame.url)

    @property
    def ui(self) -> str:
        return self.stack.urls.account

    def look(self, name: str) -> None:
        """Screenshot the page and record axe-core's serious and critical findings."""
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
        self.shots.take(self.page, name)
        report = Axe().run(self.page).response
        assert report["passes"], "axe-core checked nothing"
        found = report["violations"]
        bad = [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")]
        if bad:
            self.violations[name] = bad

    def form(self, group: str) -> Any:
        return self.page.locator(f"form.flow-{group}")

    def submit(self, group: str) -> None:
        with self.page.expect_navigation():
            self.form(group).locator("button[type=submit]").first.click()

    def at(self, path: str) -> None:
        assert self.page.url.split("?")[0] == f"{self.ui}{path}", self.page.url


_LAST_STEP = [-1]


def _totp_code(secret: str) -> str:
    """A code for a step after the last one spent (the server refuses replays): the
    previous step's (accepted one step late), else the current one's, else the next
    one's (accepted one step early), else wait for it. Starting one step back spares
    the journey's five codes one 30-second wait."""
    if 30 - time.time() % 30 < 4:  # no flake at a step's edge
        time.sleep(30 - time.time() % 30 + 0.2)
    now = int(time.time() // 30)
    late_ok = 30 - time.time() % 30 > 12  # a late code expires when this step ends
    step = max(now - 1 if late_ok else now, _LAST_STEP[0] + 1)
    if step > now + 1:
        time.sleep((step - 1) * 30 - time.time() + 0.2)
    _LAST_STEP[0] = step
    return str(pyotp.TOTP(secret).at(step * 30))


def _register_and_verify(j: Journey, address: str, rp: RP) -> None:
    j.page.goto(rp.authorization_url())
    j.at("/login")
    j.look("login")
    with j.page.expect_navigation():
        j.page.get_by_role("link", name="Create an account").click()
    j.at("/registration")
    j.look("registration")
    j.form("profile").locator("input[name='traits.email']").fill(address)
    j.submit("profile")  # Kratos's two steps: the traits, then a way to sign in
    j.at("/registration")
    j.look("registration-method")
    j.form("password").locator("input[name=password]").fill(PASSWORD)
    j.submit("password")
    j.at("/verification")  # the show_verification_ui hook; a code was mailed
    j.look("verification")
    j.form("code").locator("input[name=code]").fill(j.stack.mail_code(address, 1))
    j.submit("code")
    assert j.page.locator("[data-id='1080002']").count() == 1, j.page.content()
    j.look("verification-done")


def _sign_in_and_consent(j: Journey, rp: RP, address: str) -> dict[str, Any]:
    j.page.goto(rp.authorization_url())
    j.at("/login")
    password = j.form("password")
    password.locator("input[name=identifier]").fill(address)
    password.locator("input[name=password]").fill(PASSWORD)
    j.submit("password")
    j.at("/oauth2/consent")
    assert j.page.get_by_text("Roost Test App").first.is_visible()
    assert j.page.get_by_role("link", name="Privacy policy").count() == 1
    j.look("consent")
    j.page.get_by_label("Remember this decision").check()
    with j.page.expect_navigation():
        j.page.get_by_role("button", name="Allow").click()
    j.at("/callback")
    j.look("callback")
    return rp.tokens(j.page.url)


def _enrol_totp(j: Journey) -> str:
    j.page.goto(f"{j.ui}/settings")
    j.at("/settings")
    j.look("settings")
    totp = j.form("totp")
    secret = totp.locator("code[id^='totp-totp_secret_key']").inner_text().strip()
    totp.locator("input[name=totp_code]").fill(_totp_code(secret))
    j.submit("totp")
    assert j.page.locator("[data-id='1050001']").count() == 1, j.page.content()
    return secret


def _rp_logout(j: Journey, rp: RP, id_token: str) -> None:
    params = f"id_token_hint={id_token}&post_logout_redirect_uri={j.ui}/&state=bye-bye-state"
    j.page.goto(f"{rp.issuer}/oauth2/sessions/logout?{params}")
    j.at("/oauth2/logout")
    j.look("oauth2-logout")
    with j.page.expect_navigation():
        j.page.get_by_role("button", name="Sign out").click()
    j.page.wait_for_url(f"{j.ui}/**")
    assert j.page.get_by_role("link", name="Sign in").count() == 1, j.page.content()


def _second_factor_sign_in(j: Journey, rp: RP, address: str, secret: str) -> dict[str, Any]:
    j.visited.clear()
    j.page.goto(rp.authorization_url())
    password = j.form("password")
    password.locator("input[name=identifier]").fill(address)
    password.locator("input[name=password]").fill(NEW_PASSWORD)
    j.submit("password")
    j.at("/login")  # the aal2 step
    j.look("login-second-factor")
    j.form("totp").locator("input[name=totp_code]").fill(_totp_code(secret))
    with j.page.expect_navigation(url=f"{j.ui}/callback**"):
        j.form("totp").locator("button[type=submit]").click()
    assert not [u for u in j.visited if "/oauth2/consent" in u and u.startswith(j.ui)]
    return rp.tokens(j.page.url)


def _passkey(j: Journey, context: Any, secret: str) -> None:
    cdp = context.new_cdp_session(j.page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    j.page.goto(f"{j.ui}/settings")
    with j.page.expect_navigation():
        j.form("passkey").locator("button[data-trigger]").click()
    assert j.page.locator("[data-id='1050001']").count() == 1, j.page.content()
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]})
    assert len(held["credentials"]) == 1
    _sign_out(j)
    j.page.goto(f"{j.ui}/login")
    with j.page.expect_navigation(url=f"{j.ui}/login**"):
        j.form("passkey").locator("button[data-trigger]").click()
    # the passkey is one factor; with TOTP enrolled, the second is asked (highest_available)
    j.form("totp").locator("input[name=totp_code]").fill(_totp_code(secret))
    with j.page.expect_navigation(url=f"{j.ui}/"):
        j.form("totp").locator("button[type=submit]").click()
    j.look("home")
    assert j.page.get_by_text("You are signed in as").count() == 1, j.page.content()


_FOCUSED = """() => {
  const e = document.activeElement;
  const outline = getComputedStyle(e).outlineStyle;
  return [e.tagName.toLowerCase(), e.getAttribute('name') || e.textContent.trim(), outline];
}"""


def _tab_to(j: Journey, name: str, limit: int = 12) -> list[str]:
    """Press Tab until the field ``name`` has focus; the names passed on the way."""
    seen = []
    for _ in range(limit):
        j.page.keyboard.press("Tab")
        tag, label, outline = j.page.evaluate(_FOCUSED)
        assert outline != "none", f"{tag} {label} has no visible focus"
        seen.append(label)
        if label == name:
            return seen
    raise AssertionError(f"Tab never reached {name}: {seen}")


def _keyboard_sign_in(j: Journey, address: str, secret: str) -> None:
    """The login form with the keyboard alone: focus order, visible focus, Enter submits."""
    _sign_out(j)
    j.page.goto(f"{j.ui}/login")
    order = _tab_to(j, "identifier")
    assert order[0] == "Skip to content", order
    j.page.keyboard.type(address)
    assert _tab_to(j, "password", limit=1) == ["password"]
    j.page.keyboard.type(NEW_PASSWORD)
    # "keep me signed in" comes next, checked; Space unchecks it (decision 0036)
    assert _tab_to(j, "remember", limit=1) == ["remember"]
    assert j.page.is_checked("#password-remember")
    j.page.keyboard.press("Space")
    assert not j.page.is_checked("#password-remember")
    j.page.keyboard.press("Shift+Tab")
    with j.page.expect_navigation(url=f"{j.ui}/login**"):
        j.page.keyboard.press("Enter")
    _tab_to(j, "totp_code")
    j.page.keyboard.type(_totp_code(secret))
    with j.page.expect_navigation(url=f"{j.ui}/"):
        j.page.keyboard.press("Enter")
    assert j.page.get_by_text("You are signed in as").count() == 1, j.page.content()
    session = [c for c in j.page.context.cookies() if c["name"] == "ory_kratos_session"]
    assert [c["expires"] for c in session] == [-1]  # a browser-session cookie


def _sign_out(j: Journey) -> None:
    j.page.goto(f"{j.ui}/logout")
    j.look("logout")
    with j.page.expect_navigation():
        j.page.locator("#logout").click()


def _recover(j: Journey, address: str, secret: str) -> None:
    """Recovery of an identity with TOTP: the code signs in at aal1, the settings page
    asks for the second factor first (as Kratos), then the password is changed."""
    _sign_out(j)
    j.page.goto(f"{j.ui}/recovery")
    j.at("/recovery")
    j.look("recovery")
    j.form("code").locator("input[name=email]").fill(address)
    j.submit("code")
    j.look("recovery-code")
    j.form("code").locator("input[name=code]").fill(j.stack.mail_code(address, 2))
    j.submit("code")
    j.at("/login")  # recovered at aal1: the second factor before the settings
    j.look("recovery-second-factor")
    j.form("totp").locator("input[name=totp_code]").fill(_totp_code(secret))
    j.submit("totp")
    j.at("/settings")  # a privileged aal2 session on the settings page
    j.form("password").locator("input[name=password]").fill(NEW_PASSWORD)
    j.submit("password")
    assert j.page.locator("[data-id='1050001']").count() == 1, j.page.content()
    j.look("settings-saved")


def test_sign_in_with_roost_in_a_real_browser(stack: Stack) -> None:
    from playwright.sync_api import sync_playwright

    client = stack.create_client(
        client_name="Roost Test App",
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        scope="openid offline_access email",
        redirect_uris=[f"{stack.urls.account}/callback"],
        post_logout_redirect_uris=[f"{stack.urls.account}/"],
        policy_uri="https://example.com/privacy",
        tos_uri="https://example.com/terms",
    )
    rp = RP(
        stack.urls.oauth2_public,
        client["client_id"],
        client["client_secret"],
        f"{stack.urls.account}/callback",
    )
    address = f"user-{uuid.uuid4().hex[:8]}@example.com"
    shots = Shots()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context()
        context.set_default_timeout(10_000)
        j = Journey(context.new_page(), stack, shots)
        try:
            _register_and_verify(j, address, rp)
            token = _sign_in_and_consent(j, rp, address)
            claims = rp.verify(token["id_token"])
            assert claims["email"] == address and claims["email_verified"] is True
            assert rp.userinfo(token["access_token"])["sub"] == claims["sub"]
            assert rp.refresh(token["refresh_token"])["access_token"] != token["access_token"]
            secret = _enrol_totp(j)
            _recover(j, address, secret)
            _rp_logout(j, rp, token["id_token"])
            again = _second_factor_sign_in(j, rp, address, secret)
            assert rp.verify(again["id_token"])["sub"] == claims["sub"]
            _passkey(j, context, secret)
            _keyboard_sign_in(j, address, secret)
        except Exception:
            shots.take(j.page, "failure")
            raise
        finally:
            browser.close()
    assert j.violations == {}, j.violations
