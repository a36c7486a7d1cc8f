from fupin.audit.display import mask_value
from fupin.core.masking import mask_bank_account, mask_id_number, mask_name, mask_phone


def test_id_number_keeps_first_three_and_last_two():
    assert mask_id_number("510981199001011234") == "510*************34"
    assert mask_id_number("12345") == "*****"
    assert mask_id_number("") == ""
    assert mask_id_number("510981199001011234", keep_head=6, keep_tail=4) == "510981********1234"


def test_phone_keeps_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) == ""


def test_name_masks_the_middle():
    assert mask_name("张三") == "张*"
    assert mask_name("张小明") == "张*明"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("张") == "张"


def test_bank_account_keeps_last_four():
    assert mask_bank_account("6217000000001234") == "************1234"
    assert mask_bank_account("123") == "***"


def test_audit_masks_personal_columns_by_name():
    assert mask_value("phone", "13812345678") == "138****5678"
    assert mask_value("contact_phone", "13812345678") == "138****5678"
    assert mask_value("id_number", "510981199001011234") == "510981************"
    assert mask_value("bank_account", "6217000000001234") == "************1234"
    assert mask_value("name", "张小明") == "张小明"
    assert mask_value("phone", None) is None


def test_id_number_without_tail_keeps_nothing_of_the_end():
    assert mask_id_number("510981197003011234", keep_head=3, keep_tail=0) == "510" + "*" * 15


def test_staff_mask_keeps_the_area_code_only():
    from fupin.core.masking import mask_id_area

    assert mask_id_area("51098119900101123X") == "510981" + "*" * 12


def test_mask_personal_masks_json_payloads_by_key_at_any_depth():
    """A case's `data` with a public declarant (issue 12 point 3): the phone under a nested
    key is masked, the old staff mask re-masked, the birth date shown as the year only."""
    from fupin.core.masking import mask_personal

    data = {
        "declarant": {"name": "李四", "phone": "13912345678", "id_masked": "510981********1234"},
        "new_member": {"birth_date": "2019-05-06", "id_number": "510981201905061234"},
        "members": [{"contact_phone": "028-8888888"}],
        "id_cipher": "secret",
        "household_no": "6201810010020003",
        "count": 3,
        "ok": True,
    }
    assert mask_personal(data) == {
        "declarant": {"name": "李四", "phone": "139****5678", "id_masked": "510981" + "*" * 12},
        "new_member": {"birth_date": "2019-**-**", "id_number": "510981" + "*" * 12},
        "members": [{"contact_phone": "028****8888"}],
        "household_no": "6201810010020003",
        "count": 3,
        "ok": True,
    }


def test_mask_personal_masks_values_by_shape_inside_any_text():
    from fupin.core.masking import mask_personal

    text = "申报人 13912345678，身份证 51098119900101123X，卡号 6222020200112233446，旧 510981********1234"
    masked = mask_personal({"comment": text})["comment"]
    assert "13912345678" not in masked and "139****5678" in masked
    assert "51098119900101123X" not in masked and "510981" + "*" * 12 in masked
    assert "6222020200112233446" not in masked and "***************3446" in masked
    assert "********1234" not in masked
    # A 16-digit household number that fails the card check stays readable in text.
    assert mask_personal("户编号 5109810010020003") == "户编号 5109810010020003"


def test_mask_personal_masks_a_birth_date_under_its_key():
    from fupin.core.masking import mask_birth_date, mask_personal

    assert mask_personal(["1990-01-02"], "birth_date") == ["1990-**-**"]
    assert mask_birth_date("") == ""
