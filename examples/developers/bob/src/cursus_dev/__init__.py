"""Pipeline extensions of the bob workspace."""
