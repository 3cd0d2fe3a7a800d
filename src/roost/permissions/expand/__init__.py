"""expand."""
