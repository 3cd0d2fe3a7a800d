"""Kratos's ``web_hook`` before and after self-service flows (decision 0029)."""
