from safecampus.demo.organisations import Command  # noqa: F401
