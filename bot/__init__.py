"""Trợ lý Cán bộ — the application package (config, wiring, services, CLI, sandbox)."""

__version__ = "0.1.0"
