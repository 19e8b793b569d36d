"""The SMA referral domain: standard library only (checked by tests/unit/test_architecture.py)."""
