"""stationwatch: the overseas police station network, claim by claim."""
__version__ = "0.1.0"
