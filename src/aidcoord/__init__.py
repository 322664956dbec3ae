"""aidcoord: coordinate multinational assistance to a partner nation."""

__version__ = "0.1.0"
