"""A fixed data key, and a blind index key apart from it, for tests that run the bot in
production mode (never used anywhere else)."""

import base64
import hashlib

TEST_KEY_ID = "test2026"
TEST_DATA_KEYS = {
    "SMA_DATA_KEYS": f"{TEST_KEY_ID}:"
    + base64.b64encode(hashlib.sha256(b"sma tests only").digest()).decode(),
    "SMA_DATA_KEY_ID": TEST_KEY_ID,
    "SMA_BLIND_INDEX_KEY": base64.b64encode(hashlib.sha256(b"sma tests blind").digest()).decode(),
}
