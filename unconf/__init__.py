"""unconf: run an Edcamp morning — proposals, dot voting, an optimized agenda, a live board."""

__version__ = "0.1.0"
