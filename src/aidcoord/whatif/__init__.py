"""What-if scenarios: named, saved sets of changes, re-planned against the baseline and compared."""
