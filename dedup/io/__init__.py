"""Inputs and outputs: readers (inputs → Documents), writers (a ScanResult → outputs) and
staging (an output is complete or absent, and never overwrites an input)."""
