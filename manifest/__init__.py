"""Teams app manifest, icons and packaging into the app zip (see README.md)."""
