"""Simulated supplier networks: suppliers of counterfeits, the agents they recruit, honest
sellers, and a timeline of listings with ground truth (issue 21's evaluation data)."""
