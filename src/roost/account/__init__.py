"""The account UI: Kratos's self-service pages and Hydra's login/consent/logout app.

It talks to the identity public API and the OAuth2 admin API over HTTP only
(``clients``), as Ory's separate UI applications do, so it imports no other
service package (decision 0030).
"""
