"""Hypothesis settings shared by the property suites.

Deterministic by default, so that CI runs are reproducible; set LANGCHAIN_ECHO_EXPLORE=1 to draw
fresh examples (and more of them) on every run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXPLORE = os.environ.get("LANGCHAIN_ECHO_EXPLORE") == "1"


def budget(examples: int) -> settings:
    """``examples`` examples (five times as many when exploring), no deadline, no database."""
    return settings(
        max_examples=examples * 5 if EXPLORE else examples,
        deadline=None,
        derandomize=not EXPLORE,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
