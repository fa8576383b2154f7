"""Text handling for search, used by the ``search*`` modules; imports neither mkdocs nor Flask.

- ``analysis``: text into index terms (folding, words, stop words, stems) and query
  normalisation.
- ``plan``: query plans: a query's clauses of index terms (boilerplate, synonyms, languages).
- ``framing``: the words that frame a French request (greetings, wanting, the day it happened),
  dropped by ``plan`` and by kb gaps.
- ``finder``: the query's words found in text (ranking's evidence, the snippets' marks).
- ``tables``: a table row as a line of text, each cell after its column's label.
- ``snippets``: text as sentences, and the highlighted snippet of a hit.
"""
