"""The search write side: index documents made from articles (``documents``), written and
patched in place by the build."""
