"""The ingestion pipeline: one S3 event in, one scored and recorded run per object out.

`events` parses every body that announces an object, `resolver` finds its MonitoringFile, `s3`
reads it, `services` is the one pipeline function, `results` and `statuses` say what came of
it, and `listeners` announces each result to whoever subscribed. It may import the core,
`schemas`, `ingestion.models`, `ingestion.errors`, `ingestion.aws` and `ingestion.telemetry`,
never the notify, worker or API layers: they import it, and hear of results through `listeners`.
"""
