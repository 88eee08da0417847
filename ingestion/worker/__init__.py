"""The SQS worker: `loop` polls and settles messages, `handlers` run or forward them, `flow`
backs off and keeps messages hidden, `sqs` is the queue client.

It may import `ingestion.pipeline.events` and `.statuses`, `ingestion.errors` and `ingestion.aws`;
it calls the pipeline itself (`ingestion.pipeline.services`) only in in-process mode, and only
through a lazy import inside the handler that needs it.
"""
