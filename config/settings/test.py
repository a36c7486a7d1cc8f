"""Test settings: fast hashing, the same PostgreSQL as everything else."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False

# A test-only app proving the app contract (tests/contract_app): registered here and nowhere else.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.contract_app"]  # noqa: F405

# Tests need no durability: a commit need not wait for its WAL to reach the disk (session
# setting, so the shared PostgreSQL service is not reconfigured).
DATABASES["default"]["OPTIONS"] = {  # noqa: F405
    **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
    "options": "-c synchronous_commit=off",
}

# The suite runs as the server's superuser (creating the test database, transactional tests
# emptying every table); the tests of the database roles create the roles they prove.
if DATABASES["default"]["ENGINE"] == "fupin.core.embedded":  # noqa: F405
    DATABASES["default"]["USER"] = "postgres"  # noqa: F405
FUPIN_DB_ROLES = {}
