"""Dataset domain."""
