"""Roost identity: sessions."""
