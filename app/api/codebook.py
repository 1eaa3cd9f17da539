"""Codebook editing API (teachers)."""
