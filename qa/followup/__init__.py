"""Follow-up questions made standalone from the conversation, without a language model: rules
over the turns' words (``text``, ``rules``) and a learned ranking of the conversation's topics
(``topics``, trained by ``learn``)."""

from qa.followup.rules import Resolution, index_salience, resolve
from qa.followup.text import Turn

__all__ = ["Resolution", "Turn", "index_salience", "resolve"]
