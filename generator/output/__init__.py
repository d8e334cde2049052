"""Stage 8: safe paths, the journalled commit of the new site, and work over both cores."""
