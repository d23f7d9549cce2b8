"""Pages of the assembly, by subject (see urls.py)."""
