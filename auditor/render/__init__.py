"""Rendering: results -> terminal summary, JSON (and HTML/Markdown reports)."""
