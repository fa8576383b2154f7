"""The search read side the API imports: the index format (``schema``), posting lists
(``postings``), query analysis (``text``), spelling (``spell``), ranking (``rank``,
``confidence``, ``suggest``) and the ``Searcher`` that answers queries against a built index
(``searcher``). The index is written by :mod:`kb_builder.index`."""
