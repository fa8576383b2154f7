"""``kb gaps``: failed and unanswered searches grouped into topics, with advice a writer can act
on (``report`` assembles it; ``render`` and ``html`` print it)."""
