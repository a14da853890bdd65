"""What every request handler may depend on: the shared state (settings, database, cache,
image limits) with its typed component slots, and the dependency aliases that read it."""
