"""The OAuth2 service's HTTP surface: one router per port (public 4444, admin 4445)."""
