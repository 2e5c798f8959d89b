"""Telegram I/O, one module per feature, each exporting register(app)."""
