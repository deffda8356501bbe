"""The experiment wing: run specs and seeds, execution, and the results store."""
