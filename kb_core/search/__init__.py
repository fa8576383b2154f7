"""The search read side the API imports: the index format (``schema``), query analysis
(``text``), spelling (``spell``), ranking (``rank``, ``confidence``, ``suggest``) and the
``Searcher`` that answers queries against a built index (``searcher``)."""
