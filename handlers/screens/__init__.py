"""Screens: pure functions from plain data to (text, keyboard). No database, no context."""
