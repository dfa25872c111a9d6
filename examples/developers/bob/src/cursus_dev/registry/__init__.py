"""Workspace registry of bob: read statically by the hybrid registry, never imported."""
