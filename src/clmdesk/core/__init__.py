"""Domain core: pure Python and numpy, no Qt and no database.

Everything here can be used from the command line, a worker thread or a test
without a display.
"""
