"""guide-assistant: grounded guidance on procuring and introducing welfare technology."""

__version__ = "0.1.0"
