"""Pipeline extensions of the alice workspace."""
