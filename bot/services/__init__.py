"""Use cases and pure rules. Services never import `telegram`."""
