"""Workbook → values: recognise a returned workbook by its identity and read its cells by field id."""
