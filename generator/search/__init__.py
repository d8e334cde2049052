"""Stage 6, index: the search index the build writes itself (records, pieces, the index files)."""
