"""`python -m kb_builder` is `kb`."""

from .cli import main

main()
