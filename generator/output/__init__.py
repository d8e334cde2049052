"""Stage 8: safe paths, the atomic swap of the new site, and work over both cores."""
