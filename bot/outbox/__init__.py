"""Proactive delivery: the scheduler (lanes, pacing, retries), the delivery policy
(backoff, throttling, what a failure means) and the Teams messenger that posts."""
