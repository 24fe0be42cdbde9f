"""Sentiment scoring: model loading, label normalisation, batching, backends and training.

Modules, one job each:
- `settings`: the `sentiment:` section of config.yaml.
- `labels`: any model's class names → negative/neutral/positive and a score in [-1, 1].
- `loader`: `load_scorer(settings)`, the daemon's entry point (raises ModelLoadError).
- `scorer`: `SentimentScorer.score_texts`, cached, length-sorted batches, thread-safe.
- `torch_backend`, `onnx_backend`: inference with PyTorch, or ONNX Runtime int8.
- `stage`: `score_pending(db, scorer, clock)`, the pipeline stage.
- `corrections`: operators' verdicts, which win over the model.
- `training`: fine-tuning from labelled files and corrections (`warden model train`).
- `pull`: saving a hub model for offline use (`warden model pull`).
- `language`: language identification for ad-hoc text (`warden score`).
"""
