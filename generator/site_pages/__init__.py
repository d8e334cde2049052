"""Stage 5: the pages — views computed from the library, one Jinja environment, charts."""
