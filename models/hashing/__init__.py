"""Perceptual hashing, region recovery, Hamming index and the catalog matcher."""
