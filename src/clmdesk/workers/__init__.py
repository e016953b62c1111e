"""The only bridge between background threads and the Qt event loop."""
