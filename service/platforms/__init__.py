"""Per-platform settings an admin changes at run time: the risk decision thresholds."""
