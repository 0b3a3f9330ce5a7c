"""``python -m web.cli``: the same as the ``soglasie`` command."""

from web.cli import main

main()
