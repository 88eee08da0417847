"""Telling people: Slack alerts for failed or rejected files, and the missing-file check.

`alerts` decides which results deserve a message, `slack` builds and posts it, and `missing`
flags files whose expected period passed without a run. It may import `ingestion.models`,
`ingestion.periods`, `ingestion.pipeline.results` and the core's scoring constants; the pipeline
never imports it (`IngestionConfig.ready` subscribes the alerts to `pipeline.listeners`).
"""
