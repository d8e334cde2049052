"""Stage 6: the reports as CSV, JSON and XLSX files, with a data package."""
