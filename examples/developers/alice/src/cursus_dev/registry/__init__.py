"""Workspace registry of alice: read statically by the hybrid registry, never imported."""
