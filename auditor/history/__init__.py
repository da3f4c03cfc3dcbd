"""History: every run's ``results.json`` kept under a dated key, and the trend read back."""
