"""Helpers for the Paper to Production course.

Only what is not the point of a lesson lives here: the Spark session, data
access, synthetic data, plotting and check helpers. No exercise answers.
"""

__version__ = "0.1.0"
