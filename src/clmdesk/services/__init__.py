"""Use cases that combine storage, file I/O and the core (no Qt).

Long-running services take ``progress`` and ``is_cancelled`` callables and
raise :class:`clmdesk.core.tasks.Cancelled` when asked to stop.
"""
