"""The search write side: index documents made from articles (``documents``), what the index
stores of each (``fields``), and the index written or patched in place by the build
(``writer``)."""
