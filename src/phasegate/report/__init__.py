"""Renderers: pure functions from plan and state to text."""
