"""SQL storage: tables, the :class:`~modelsteward.store.sql.SqlStore` and Alembic migrations."""
