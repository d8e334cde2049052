"""Stage 7: the search index written by the build."""
