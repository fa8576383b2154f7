"""kb_store: the database behind the API and the reports: engine, tables, migrations, and
every SQL query, as functions the app and the reports call."""
