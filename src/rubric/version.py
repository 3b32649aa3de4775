"""The library version, recorded in every evaluation's provenance."""

__version__ = "0.3.0"
