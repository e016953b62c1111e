"""Every QWidget of the application."""
