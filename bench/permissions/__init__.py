"""Permission-service benchmark."""
