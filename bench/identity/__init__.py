"""Identity-service benchmark."""
