"""Roost identity: credentials."""
