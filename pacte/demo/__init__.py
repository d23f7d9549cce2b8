"""The demo of Pacte (see apps.py)."""
