"""The case types of SPEC §3. Importing this package registers every flow."""

from fupin.workflows.flows import dynamic, household_exit, identification, monitoring, region_exit  # noqa: F401
