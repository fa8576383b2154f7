"""kb_core: what every side of kb-portal shares.

Site config (``config``), the error and problem types (``errors``), the build manifest that is
the contract between build and app (``manifest``), the sentence model (``semantic``), the
search read side (``search/``: query, rank, spell, meaning) and agents' reply-ready links
(``link``, ``replies``). Imports neither mkdocs nor Flask: the app and the reports load it.
"""
