"""`python -m kb_builder` is `kb`."""

from kb_cli.main import main

main()
