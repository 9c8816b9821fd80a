"""Password rules: at least 8 characters (Django's validator), 3 of 4 character classes, and
not the username."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    classes = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")
    required = 3

    def validate(self, password, user=None):
        found = sum(1 for pattern in self.classes if re.search(pattern, password))
        if found < self.required:
            raise ValidationError(
                _(
                    "The password must contain at least 3 of these 4: lower-case letters, "
                    "upper-case letters, digits, symbols."
                ),
                code="password_too_simple",
            )

    def get_help_text(self):
        return _(
            "Use at least 3 of these 4: lower-case letters, upper-case letters, digits, symbols."
        )


class NotUsernameValidator:
    def validate(self, password, user=None):
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            raise ValidationError(
                _("The password must not contain the username."), code="password_has_username"
            )

    def get_help_text(self):
        return _("The password must not contain your username.")
