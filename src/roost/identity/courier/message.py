"""Courier messages and their delivery attempts, rendered as Kratos's ``message`` JSON.

Kratos stores status and type as integers (``courier/message.go``) and
serializes them as strings; the same mapping is kept here so rows read the
same in both. Kratos emits ``sms`` for type 2 although its spec says
``phone``; Roost sends ``phone``, the spec's value, which the SDK accepts.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from roost.identity.identities.model import now, ts


class Status(enum.IntEnum):
    QUEUED = 1
    SENT = 2
    PROCESSING = 3
    ABANDONED = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, label: str) -> Status:
        """A status from its JSON name (``queued``...); ValueError otherwise."""
        try:
            return cls[label.upper()]
        except KeyError:
            raise ValueError(label) from None


class Type(enum.IntEnum):
    EMAIL = 1
    PHONE = 2


_TYPE_LABELS = {Type.EMAIL: "email", Type.PHONE: "phone"}

TEMPLATE_TYPES = (
    "recovery_invalid",
    "recovery_valid",
    "recovery_code_invalid",
    "recovery_code_valid",
    "verification_invalid",
    "verification_valid",
    "verification_code_invalid",
    "verification_code_valid",
    "stub",
    "login_code_valid",
    "registration_code_valid",
    "verifiable_address_changed",
    "authenticator_key_added",
)
"""The values of the spec's ``template_type`` enum."""


@dataclass
class Dispatch:
    """One attempt at delivering a message: ``success``, or ``failed`` with the error."""

    message_id: uuid.UUID
    status: str
    error: dict[str, Any] | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=now)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(self.id),
            "message_id": str(self.message_id),
            "status": self.status,
            "created_at": ts(self.created_at),
            "updated_at": ts(self.created_at),
        }
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass
class Message:
    """A rendered message, queued for one recipient."""

    recipient: str
    subject: str
    body: str
    template_type: str
    template_data: dict[str, Any] = field(default_factory=dict)
    html: str | None = None
    """The HTML alternative of an e-mail (kept inside the stored body, see ``sql/courier``)."""
    type: Type = Type.EMAIL
    status: Status = Status.QUEUED
    send_count: int = 0
    channel: str | None = "email"
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    dispatches: list[Dispatch] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(self.id),
            "status": self.status.label,
            "type": _TYPE_LABELS[self.type],
            "recipient": self.recipient,
            "body": self.body,
            "subject": self.subject,
            "template_type": self.template_type,
            "send_count": self.send_count,
            "created_at": ts(self.created_at),
            "updated_at": ts(self.updated_at),
        }
        if self.channel:
            out["channel"] = self.channel
        if self.dispatches is not None:
            out["dispatches"] = [d.to_json() for d in self.dispatches]
        return out
