"""Sites domain."""
