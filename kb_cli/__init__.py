"""kb_cli: the ``kb`` command. The only package that wires build, app and reports together;
nothing imports it."""
