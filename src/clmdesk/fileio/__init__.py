"""File input and output: spreadsheet readers and safe list writers (no Qt).

The only layer that imports python-calamine and openpyxl.
"""
