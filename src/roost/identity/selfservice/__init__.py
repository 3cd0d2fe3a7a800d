"""Roost identity: selfservice."""
