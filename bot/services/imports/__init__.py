"""Import of units, catalogue, roster and training requirements from .xlsx/.csv (SPEC §8)."""
