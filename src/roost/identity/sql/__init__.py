"""Roost identity: sql."""
