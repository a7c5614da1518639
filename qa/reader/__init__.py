"""The learned extractive reader: a span model fine-tuned from multilingual-e5-small.

``model`` defines the network and its shipped weights file, ``runtime`` reads passages on CPU
and returns scored spans, ``data`` and ``train`` rebuild the weights from the SQuAD-style sets
in ``../shared/bench`` (``python -m qa.reader.train``).
"""
