"""Operator commands, run by hand against a store: `python -m ops.<command>`.

The commands use `storage` and `referrals`; the running bot does not use them, and
`storage` must never import them (tests/unit/test_architecture.py). The README's
"Commands for operators" lists them.
"""
