"""Request and response schemas shared by the routers."""

from __future__ import annotations

from ninja import Schema


class Detail(Schema):
    detail: str | list | dict


class HealthOut(Schema):
    status: str
