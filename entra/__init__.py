"""Microsoft Entra ID through Microsoft Graph: the directory of roles and the app installer.

Knows nothing of Teams turns, dialogs, cards or storage (checked by
tests/unit/test_architecture.py); it reaches the domain through its ports only."""
