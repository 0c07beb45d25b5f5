"""Analysis panels of the review window: tag statistics, confusion matrix, per-class metrics,
slices and PR curves, plus their wiring (``links.AnalysisLinks``).

Every figure comes from the engine (``reviewer.io.stats``, ``reviewer.core.reports``,
``reviewer.core.curves``, the document's confusion pairs); the panels only show it. Computations
run off the GUI thread (``runner.AnalysisRunner``); matplotlib is imported only when a chart is
first shown (``plots``).
"""
