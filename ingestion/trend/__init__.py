"""History-aware monitoring: is a run like its file's usual self? Pure: runs in, signals out.

`baseline.py` reads what one run tells (`Observation`, from its stored `metrics`) and keeps the
recent passing runs a new run is compared with (`Baseline`); `signals.py` holds the five rules
(row_count, columns, null_rate, arrival, same_content) and `assess_trend`, which runs them. No
Django, boto3 or database import: the pipeline reads the history and stores the answer
(`ingestion.pipeline.history`). Nothing here changes a score.
"""
