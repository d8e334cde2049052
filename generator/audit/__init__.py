"""Stage 3: the audit of valid content — rules per kind, targets, budget tables, and the findings' views."""
