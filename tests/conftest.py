"""Shared test setup: make the project's plugins and modules importable."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for sub in ("library", "plugins/action", "plugins/filter", "plugins/callback", "bin"):
    path = os.path.join(ROOT, sub)
    if path not in sys.path:
        sys.path.insert(0, path)
