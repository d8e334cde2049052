"""disclose: a static site generator for public budget performance disclosure."""

__version__ = "0.1.0"
