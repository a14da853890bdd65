"""API keys, roles and tenants (platforms)."""
