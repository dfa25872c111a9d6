"""Language server for hybrid step registry step names."""

__version__ = "0.1.0"
