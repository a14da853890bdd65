"""Caption classification: POST /v1/captions/classify and `classify_texts` for other domains."""
