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
    assert mask_value("id_number", "510981199001011234") == "510*************34"
    assert mask_value("bank_account", "6217000000001234") == "************1234"
    assert mask_value("name", "张小明") == "张小明"
    assert mask_value("phone", None) is None


def test_id_number_without_tail_keeps_nothing_of_the_end():
    assert mask_id_number("510981197003011234", keep_head=3, keep_tail=0) == "510" + "*" * 15
