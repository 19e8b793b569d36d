"""Adapters for the domain's solver port (`referrals.linked_suppression.Solver`)."""
