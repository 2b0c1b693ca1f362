"""Hypothesis profiles for the reliability tests.

``ci`` (the default) keeps the fuzz tests to a few seconds, derandomized so a run is reproducible
and writes no example database into the tree. ``nightly`` runs many more random examples and
keeps a database of failures: ``HYPOTHESIS_PROFILE=nightly pytest tests/reliability``.
"""
import os

from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
settings.register_profile(
    "nightly", max_examples=1500, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
# Triage while fixing: no shrinking, first failure per test only.
settings.register_profile(
    "triage", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
