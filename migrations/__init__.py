"""Alembic's migration scripts: the wheel carries them as ``api.migrations`` (see ``setup.py``), so an
installed platform migrates its database as a checkout does. Alembic loads them by path, not by import."""
