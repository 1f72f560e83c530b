"""Feature extensions: thin adapters between slash commands and the archive layer."""
