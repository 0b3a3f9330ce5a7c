"""Authentication: the Flask-Login user, and the user loader."""
