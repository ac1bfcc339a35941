"""Compile the hot pure cores with mypyc, from the same typed source, where a C compiler is at hand:
the matching engine, and the offline verification path (canonical entries, the Merkle tree, replay,
and the reading of entry bodies into their event classes).

Without a compiler the build goes on (the extensions are optional) and the same modules run
interpreted, about half as fast.

The repository's top-level ``migrations/`` is installed as ``api.migrations`` (``package-dir`` in
``pyproject.toml``), so that a wheel carries the schema and ``api.database`` finds it the same way in a
checkout and an installed package; the package list is computed here because pyproject.toml's
``find`` cannot add a mapped package. Everything else in ``pyproject.toml``.
"""

import os

from mypyc.build import mypycify
from setuptools import find_namespace_packages, setup

COMPILED = [
    "market/engine.py",
    "registry/blocks.py",
    "registry/wire.py",
    "settlement/canonical.py",
    "settlement/entries.py",
    "settlement/merkle.py",
    "settlement/replay.py",
    "settlement/verify.py",
]

# the project's mypy settings load the pydantic plugin, which the build environment need not have;
# these modules import only the standard library, orjson and cryptography, so they are checked alone
extensions = mypycify(
    [f"--config-file={os.devnull}", "--strict", *COMPILED], opt_level="3", group_name="liangshan_compiled"
)
for extension in extensions:
    extension.optional = True


def packages(*names: str) -> list[str]:
    """The named packages with their subpackages, data folders (``registry/data``) included."""
    return find_namespace_packages(include=[f"{name}*" for name in names], exclude=["*__pycache__"])


setup(
    packages=[
        *packages("registry", "settlement", "market", "api"),
        *(f"api.{package}" for package in packages("migrations")),
    ],
    ext_modules=extensions,
)
