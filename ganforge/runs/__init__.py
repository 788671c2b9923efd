"""Run folders, above the metrics: evaluating a trained run (:mod:`.evaluate`). ``ganforge.experiment``
(config -> run folder, ``load_run``) belongs here too and moves in a follow-up."""
