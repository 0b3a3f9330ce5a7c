"""Tables, the database connection, and the unit of work (the one place that commits)."""
