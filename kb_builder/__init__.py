"""kb_builder: the build side of kb-portal and the ``kb`` command line.

Pipeline (``build.py``, top to bottom): load config -> load content -> check -> render the
public and internal MkDocs trees -> build the Whoosh indexes -> write the manifests.

Import rule: ``config``, ``errors``, ``search`` and ``manifest`` import neither mkdocs nor Flask,
because ``feedback_api`` imports them. Only ``render`` (and the CLI, lazily) imports mkdocs.
"""

__version__ = "0.1.0"
