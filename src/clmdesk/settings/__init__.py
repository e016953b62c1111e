"""Typed, versioned user preferences stored as JSON (no Qt, no business data)."""
