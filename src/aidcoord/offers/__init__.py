"""Offers domain."""
