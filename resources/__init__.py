"""Data files shipped with Reviewer (tag vocabulary, icons, styles); read with importlib.resources."""
