"""Buyer feedback and seller reputation (issue 5). Badges live in service.badges."""
