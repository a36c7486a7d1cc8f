"""The web kit of every app: the house form and the one form-post helper."""

from .forms import REQUIRED_MESSAGES, StyledForm
from .post import Posted, apply_errors, form_post, show_errors

__all__ = ["REQUIRED_MESSAGES", "Posted", "StyledForm", "apply_errors", "form_post", "show_errors"]
