"""The grid of thumbnails: the image table's rows as pictures, for fast scanning and bulk review.

``layout`` (cell arithmetic, no Qt), ``thumbs`` (decoding off the GUI thread into a bounded LRU
cache), ``paint`` (one cell), ``view`` (the widget), ``source`` (what a cell shows, from the
session) and ``links`` (its place in the window).
"""
