"""The courier: messages queued in SQL, rendered from templates, sent by workers over SMTP."""
