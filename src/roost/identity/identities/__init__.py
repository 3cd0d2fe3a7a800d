"""Roost identity: identities."""
