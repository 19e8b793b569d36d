"""Placeholder until the Playground launcher lands: runs the bot in development mode."""

import os
import runpy
import sys

os.environ.setdefault("SMA_INSECURE_DEVELOPMENT_MODE", "true")
os.environ.setdefault("SMA_SMLO_IDS", "00000000-0000-4000-8000-00000000a001")
sys.argv = ["app.py"]
runpy.run_path("app.py", run_name="__main__")
