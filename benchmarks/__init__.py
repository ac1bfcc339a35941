"""Benchmarks: ``make bench`` (``python -m benchmarks``) prints one ``name: value unit`` line per figure."""
