"""The web kit of every app: the house form and the one form-post helper."""

from .forms import REQUIRED_MESSAGES, StyledForm
from .post import Posted, form_post

__all__ = ["REQUIRED_MESSAGES", "Posted", "StyledForm", "form_post"]
