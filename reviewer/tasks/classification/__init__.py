"""Image classification: one label per image, a model's class probabilities (no Qt here).

The module-level API a ``Task`` wires in (README "Image classification" gives the rules)::

    load.load_classification(gt, pred=None, images_dir=None, classes=None, positive=None,
                             check_files=True) -> data.ClassificationDataset
    load.read_sizes(ds, images_dir, rows) -> (widths (n,), heights (n,))
    scores.score_table(ds, threshold=0.5, thresholds=None, targets=None) -> {column: (N,)}
    scores.score_rows(ds, rows, threshold=0.5, thresholds=None, targets=None) -> {column: (n,)}
    scores.class_thresholds(ds, targets=None) -> (K,)    # per-class mean self-confidence
    scores.COLUMNS                                       # the per-image table's columns
    metrics.evaluate(ds, image_rows=None, threshold=0.5) -> eval --json payload
    metrics.confusion(ds, image_rows=None, threshold=0.5) -> (K, K)
    metrics.reliability(confidence, correct) -> reliability-diagram bins
    curves.threshold_counts(scores, positive) -> ThresholdCounts; pr_curve / roc_curve
    cost.cost_payload(ds, positive, fp_cost, fn_cost, image_rows=None) -> cost --json payload
    cost.cost_curve(scores, positive, fp_cost, fn_cost) -> CostCurve
    commands.SetLabel(image_id, before, after)          # registered as "set_label"
    document.ClassificationDocument(ds, threshold=0.5)  # the labels under review
    slicer.ClassificationSlicer(ds, threshold)(rows) -> SliceEval; slicer.class_images(ds)
    export.write_labels_csv(root, doc) / write_image_folder(root, doc, images_dir, mode=...)
    export.describe_change(cmd) -> changes.csv row; export.before_after(doc) -> metrics + share

Modules: ``data`` (the dataset tables), ``table_files`` (CSV / Parquet through pyarrow),
``gt_input`` and ``pred_input`` (the input layouts and their checks), ``load``, ``scores``,
``curves``, ``metrics``, ``cost``, ``commands``, ``document``, ``slicer``, ``export``.
"""
