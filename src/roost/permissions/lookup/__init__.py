"""Reverse lookups (objects of a subject, subjects of an object)."""
