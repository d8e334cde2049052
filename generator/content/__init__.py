"""Stages 1–2: content files found, parsed with positions, and validated into typed models."""
