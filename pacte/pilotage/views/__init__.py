"""Pages of the steering: dashboards, territorial balance, bilans and open data."""
