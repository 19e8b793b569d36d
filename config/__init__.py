"""The app's settings, read once from the environment and checked at start-up."""
