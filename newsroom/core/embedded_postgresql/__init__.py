"""Django's PostgreSQL engine, starting the embedded server on the first connection."""
