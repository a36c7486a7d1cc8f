"""Test settings: fast hashing, the same PostgreSQL as everything else."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False

# A test-only app proving the app contract (tests/contract_app): registered here and nowhere else.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.contract_app"]  # noqa: F405
