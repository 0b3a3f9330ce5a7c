"""Workflow definitions: the YAML format, its loader and verifier, and the runtime catalog."""
