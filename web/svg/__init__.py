"""Server-rendered SVG: the process diagram and the dashboard's charts (no client-side JS).

SVG is built from escaped text with presentation attributes and CSS classes only (the CSP
forbids inline ``style``), and embedded in the page.
"""
