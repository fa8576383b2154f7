"""kb_reports: what the team reads off the store: the gap report (``gaps/``) and share exports
(``shares``). Reads the store only through ``kb_store``'s query functions."""
