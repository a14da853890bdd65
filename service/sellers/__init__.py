"""Buyer feedback and seller reputation. Badges live in service.badges."""
