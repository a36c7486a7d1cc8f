"""The API kit's base Schema refuses what PostgreSQL cannot store, however deep."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fupin.core.api import Schema


class Inner(Schema):
    note: str


class Body(Schema):
    name: str
    tags: list[str] = []
    amount: float = 0
    inner: Inner | None = None
    data: dict[str, object] = {}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "张\x00三"},
        {"name": "a", "tags": ["ok", "b\x00"]},
        {"name": "a", "inner": {"note": "\x00"}},
        {"name": "a", "data": {"k\x00": 1}},
        {"name": "a", "data": {"k": {"deep": ["\x00"]}}},
        {"name": "a", "amount": float("nan")},
    ],
)
def test_a_body_that_postgresql_cannot_store_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as raised:
        Body.model_validate(body)
    assert any(m in str(raised.value) for m in ("提交的内容含有非法字符", "提交的数值不正确"))


def test_a_clean_body_and_a_response_pass() -> None:
    assert Body.model_validate({"name": "张三", "data": {"k": [1, "x"]}}).name == "张三"
    # Responses come out of PostgreSQL: not walked.
    out = Body.model_validate({"name": "a\x00"}, context={"response_status": 200})
    assert out.name == "a\x00"
