"""Quality of the ranking engine against the labelled set, and the metrics that measure it."""
