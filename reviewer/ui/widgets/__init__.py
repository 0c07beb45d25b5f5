"""Review window widgets."""
