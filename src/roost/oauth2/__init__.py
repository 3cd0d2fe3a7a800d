"""Roost's Ory Hydra: OAuth2 clients, tokens, introspection and keys."""
