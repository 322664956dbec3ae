"""Shipments domain: consignments made from an approved plan, and their events."""
