"""The demo dataset and the service that seeds an empty database with it (``seed_demo``)."""

from workflow.seed.demo import DemoSeed, seed_demo

__all__ = ["DemoSeed", "seed_demo"]
