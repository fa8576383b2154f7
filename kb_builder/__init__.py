"""kb_builder: the build side of kb-portal.

Pipeline (``build.py``, top to bottom): load config -> load content -> check -> render the
public and internal MkDocs trees -> build the Whoosh indexes -> write the manifests.

Nothing outside ``kb_cli`` imports it; the layers are the import contracts in ``pyproject.toml``.
"""

__version__ = "0.1.0"
