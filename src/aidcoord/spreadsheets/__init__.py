"""Spreadsheets people already use: formatted XLSX exports and the import of Kiel-tracker-style offers."""
