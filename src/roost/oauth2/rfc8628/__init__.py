"""OAuth 2.0 Device Authorization Grant (RFC 8628), as Hydra v25 runs it.

- ``device.py``: the device authorization endpoint (§3.1, §3.2), user codes
  (§6.1) and the device request model with its store Protocol;
- ``verification.py``: the user's side: ``/oauth2/device/verify``, the device
  challenge and its admin accept, then Hydra's login and consent flow;
- ``grant.py``: ``urn:ietf:params:oauth:grant-type:device_code`` at the token
  endpoint (§3.4, §3.5).
"""
