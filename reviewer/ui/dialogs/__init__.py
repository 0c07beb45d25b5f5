"""Review window dialogs."""
