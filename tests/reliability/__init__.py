"""Reliability: faults, load and bad input, with nothing lost and nothing leaked (issue 6)."""
