"""Read-side queries for pages and the API: plain SQLAlchemy selects returning plain data.

They never build state machines or call services, and each names how many SQL statements it
issues, because pages have a budget (five per page, authentication included).
"""
