"""Image classification: one label per image, a model's class probabilities (no Qt here).

Modules: ``data`` (the dataset tables), ``load`` (CSV / Parquet / ImageFolder inputs),
``scores`` (the per-image table and the label-error score), ``curves`` (counts at every
threshold), ``metrics`` (the ``eval --json`` payload), ``cost`` (threshold vs cost),
``commands`` (``SetLabel``), ``document`` (the labels under review), ``slicer`` (tag
statistics), ``export`` (fixed labels, ImageFolder tree, change rows).
"""
