"""Roost identity: http."""
