"""Tracking: pure logic over a plan's facts and the store's projections (status, readiness,
metrics, escalation, report validation, document contexts)."""
