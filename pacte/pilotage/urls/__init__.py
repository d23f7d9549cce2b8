"""URLs of the steering, each included at its own prefix by config/urls.py."""
