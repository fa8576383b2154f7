"""The search read side the API imports: the index format (``schema``), posting lists
(``postings``), text handling and query plans (``text/``), spelling (``spell``), ranking
(``rank``, with the query's evidence in ``evidence``, meaning's reordering in ``rerank`` and the
hits in ``hits``; ``confidence``, ``suggest``), the answer card (``answer/``) and the
``Searcher`` that answers queries against a built index (``searcher``). The index is written by
:mod:`kb_builder.index`."""
