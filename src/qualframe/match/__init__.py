"""Placing a job, a position description or a learning outcome on the framework (area and level).

``from qualframe.match.engine import match`` - kept out of this module so importing the package
stays cheap (the engine loads the embedding model and builds its index on first use).
"""
