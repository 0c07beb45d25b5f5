"""Qt item models over the per-image arrays (the ranking is a numpy index array)."""
