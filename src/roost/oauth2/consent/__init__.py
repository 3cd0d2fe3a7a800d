"""Hydra's login and consent flow: the request model, sealed challenges, the state machine.

Pure protocol code over the :class:`~roost.oauth2.consent.flow.FlowStore`
Protocol; ``roost.oauth2.sql.flows`` implements it.
"""
