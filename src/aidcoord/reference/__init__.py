"""Reference series imported from public sources (the Kiel Ukraine Support Tracker), kept by release."""
