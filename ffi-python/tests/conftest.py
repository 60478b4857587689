"""pytest configuration: makes `vectors` importable and fails fast when pay402 is missing."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
