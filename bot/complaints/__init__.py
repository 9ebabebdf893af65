"""Complaints: what they are about, how serious, and how they are followed through."""
