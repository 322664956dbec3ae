"""Plans domain: versioned, solved allocations, one of which is approved."""
