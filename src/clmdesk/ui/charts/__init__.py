"""Charts of the control panel (pyqtgraph): the lifecycle indicator and its helpers."""
