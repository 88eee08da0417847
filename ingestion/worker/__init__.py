"""The SQS worker: `loop` polls and settles messages, `handlers` run or forward them, `flow`
backs off and keeps messages hidden, `sqs` is the queue client."""
