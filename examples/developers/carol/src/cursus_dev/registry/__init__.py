"""Workspace registry of carol: read statically by the hybrid registry, never imported."""
