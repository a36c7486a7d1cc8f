"""Rectification files are checked by content, not by name (issue 12 §5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.core.errors import ValidationFailed
from fupin.supervision.alerts import services
from fupin.workflows.tests.test_upload_content import DISGUISED

from .test_alert_flow import officials, photo, step, uninsured_alert  # noqa: F401

pytestmark = pytest.mark.django_db


def test_disguised_rectification_files_are_refused_and_genuine_ones_taken(
    officials: Any,  # noqa: F811
    village: Any,
) -> None:
    alert = uninsured_alert(officials, village)
    step(officials.township, alert, "issue_notice")
    for name, content in DISGUISED:
        with pytest.raises(ValidationFailed, match="佐证材料的内容与文件类型不符：只接受 JPG"):
            services.rectification_submit(
                actor=officials.village, alert_id=alert.pk, content="已补办参保手续",
                files=[SimpleUploadedFile(name, content)],
            )  # fmt: skip
    assert not alert.rectifications.exists()
    rect = services.rectification_submit(
        actor=officials.village, alert_id=alert.pk, content="已补办参保手续", files=[photo()]
    )
    assert rect.files.count() == 1
