"""SQS access for the worker: one cached client and the few calls it makes.

Every call raises QueueUnavailable when SQS cannot be reached or refuses the request; batch
calls report the entries SQS answered under `Failed` (an HTTP 200 does not mean every entry
succeeded).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from ingestion.aws import make_client
from ingestion.errors import IngestionError

logger = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 20
MAX_BATCH_SIZE = 10
# A long poll holds the request open for up to MAX_WAIT_SECONDS: the read timeout must be longer,
# or every empty poll would end in a timeout and a retry.
READ_TIMEOUT_SECONDS = MAX_WAIT_SECONDS + 10
_MISSING_QUEUE_CODES = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


class QueueUnavailable(IngestionError):
    """SQS could not be reached or refused the call; the worker retries later."""

    status_code = 503

    @property
    def queue_missing(self) -> bool:
        return self.extra.get("code") in _MISSING_QUEUE_CODES


@dataclass(frozen=True)
class Message:
    message_id: str
    receipt_handle: str
    body: str
    receive_count: int


@functools.cache
def client():
    return make_client("sqs", read_timeout=READ_TIMEOUT_SECONDS)


def visibility_timeout(queue_url: str) -> int:
    """Return the queue's VisibilityTimeout in seconds."""
    with _errors_as_unavailable("GetQueueAttributes"):
        answer = client().get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"]
        )
    return int(answer["Attributes"]["VisibilityTimeout"])


def receive(queue_url: str, *, max_messages: int, wait_seconds: int) -> list[Message]:
    """Long-poll for up to `max_messages` messages; an empty list when none arrived in time."""
    with _errors_as_unavailable("ReceiveMessage"):
        answer = client().receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
    return [_message(raw) for raw in answer.get("Messages", [])]


def delete(queue_url: str, messages: Sequence[Message]) -> list[str]:
    """Delete messages by their receipt handles; return the ids SQS reported as failed."""
    entries = [{"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(messages)]
    return _batch("DeleteMessageBatch", queue_url, messages, entries)


def change_visibility(queue_url: str, messages: Sequence[Message], seconds: int) -> list[str]:
    """Set the messages' visibility timeout from now (0 hands them back at once).

    Return the ids SQS reported as failed.
    """
    entries = [
        {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": seconds}
        for i, m in enumerate(messages)
    ]
    return _batch("ChangeMessageVisibilityBatch", queue_url, messages, entries)


def _batch(
    operation: str, queue_url: str, messages: Sequence[Message], entries: list[dict]
) -> list[str]:
    call = {
        "DeleteMessageBatch": client().delete_message_batch,
        "ChangeMessageVisibilityBatch": client().change_message_visibility_batch,
    }[operation]
    failed_ids: list[str] = []
    for chunk in _chunks(entries, MAX_BATCH_SIZE):
        with _errors_as_unavailable(operation):
            answer = call(QueueUrl=queue_url, Entries=chunk)
        for failure in answer.get("Failed", []):
            message = messages[int(failure["Id"])]
            failed_ids.append(message.message_id)
            logger.warning(
                "SQS refused one entry of a batch",
                extra={
                    "operation": operation,
                    "message_id": message.message_id,
                    "code": failure.get("Code"),
                    "reason": failure.get("Message", ""),
                    "sender_fault": failure.get("SenderFault"),
                },
            )
    return failed_ids


def _chunks(items: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _message(raw: dict) -> Message:
    attributes = raw.get("Attributes", {})
    return Message(
        message_id=raw["MessageId"],
        receipt_handle=raw["ReceiptHandle"],
        body=raw.get("Body", ""),
        receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
    )


@contextlib.contextmanager
def _errors_as_unavailable(operation: str) -> Iterator[None]:
    """Turn boto3's errors for one call into QueueUnavailable naming the call and the code."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "unknown"))
        raise QueueUnavailable(f"SQS refused {operation}: {code}", extra={"code": code}) from exc
    except BotoCoreError as exc:
        raise QueueUnavailable(f"SQS is unreachable ({operation}): {exc}") from exc
