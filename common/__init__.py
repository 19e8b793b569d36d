"""Small helpers shared by several packages: standard library only (checked by
tests/unit/test_architecture.py), so any package may import them without taking on a layer."""
