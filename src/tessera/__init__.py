"""tessera: Better Auth-compatible authentication for Python."""
