"""Definitions → workbook: render the official tables as locked, formula-driven .xlsx files."""
