"""RFC 7523, JWT Profile for OAuth 2.0 Client Authentication and Authorization Grants."""
