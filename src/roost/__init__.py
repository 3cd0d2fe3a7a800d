"""Roost: Ory Hydra, Kratos and Keto compatible services in one Python codebase."""

__version__ = "0.1.0"
