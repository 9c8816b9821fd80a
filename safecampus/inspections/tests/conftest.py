"""Fixtures of the form tests: the campaign tests' ``camp`` (a launched campaign with its forms)."""

from safecampus.campaigns.tests.conftest import camp  # noqa: F401 (a fixture, found by name)
