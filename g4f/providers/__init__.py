"""Provider bases, events, discovery and selection. Submodules are imported on demand."""
