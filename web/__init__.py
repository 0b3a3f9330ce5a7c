"""soglasie's web layer: the Flask app (pages and REST API) and the ``soglasie`` command line."""
