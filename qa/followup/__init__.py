"""Follow-up questions made standalone from the conversation, without a language model: rules
over the turns' words (``rules``), a learned ranking of the conversation's topics
(``topics``), and a learned choice between the question as asked and its standalone form
(``choice``), trained by ``learn``."""

from qa.followup.rules import Resolution, index_salience, resolve
from qa.followup.text import Turn

__all__ = ["Resolution", "Turn", "index_salience", "resolve"]
