"""Pipeline extensions of the carol workspace."""
