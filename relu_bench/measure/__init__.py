"""Measuring: the timing worker, paired and across-process timing, and the statistics that judge them."""
