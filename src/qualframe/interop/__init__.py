"""Formats other tools speak: the grid JSON/CSV, and (later) CASE, SKOS, spreadsheets."""
