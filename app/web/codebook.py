"""Codebook pages: guidelines for everyone, editing for teachers."""
