"""Dialogs opened from the main window (ui layer)."""
