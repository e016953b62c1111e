"""Storage layer: SQLAlchemy engine, tables, repositories and migrations.

The only layer that imports SQLAlchemy and Alembic. It hands plain tuples,
numpy arrays and frozen dataclasses upwards, never sessions or ORM rows.
"""
