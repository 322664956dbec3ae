"""Requirements domain."""
