"""soglasie's workflow engine.

Definitions (YAML data) are loaded and verified into immutable specs, compiled into one
state machine per definition version, and driven by services that each run in one database
transaction. This package imports no web framework, scheduler or mail transport; the
import-linter contract in ``pyproject.toml`` keeps it so.
"""
