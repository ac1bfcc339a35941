"""Compile the matching engine with mypyc, from the same typed source, where a C compiler is at hand.

Without one the build goes on (the extension is optional) and ``market.engine`` runs interpreted:
the same code, about half as fast. Everything else in ``pyproject.toml``.
"""

import os

from mypyc.build import mypycify
from setuptools import setup

# the project's mypy settings load the pydantic plugin, which the build environment need not have;
# the engine imports nothing outside the standard library, so it is checked here on its own
extensions = mypycify([f"--config-file={os.devnull}", "--strict", "market/engine.py"], opt_level="3")
for extension in extensions:
    extension.optional = True

setup(ext_modules=extensions)
