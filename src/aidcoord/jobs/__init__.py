"""Background jobs: long work (plans, what-ifs, Monte Carlo, state export) queued in the database."""
