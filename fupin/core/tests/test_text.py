import pytest

from fupin.core.errors import ValidationFailed
from fupin.core.text import clean_text


def test_trims_and_returns() -> None:
    assert clean_text("  组长  ", "leader_name", "组长", 50) == "组长"
    assert clean_text(None, "title", "职务", 100, required=False) == ""


def test_required_and_bounded() -> None:
    with pytest.raises(ValidationFailed) as missing:
        clean_text("   ", "reason", "变更原因")
    assert missing.value.message == "请填写变更原因"
    assert missing.value.errors == {"reason": ["请填写变更原因"]}
    with pytest.raises(ValidationFailed) as long:
        clean_text("甲" * 6, "name", "名称", 5)
    assert long.value.message == "名称不能超过5个字"
    assert long.value.errors == {"name": ["不能超过5个字"]}
