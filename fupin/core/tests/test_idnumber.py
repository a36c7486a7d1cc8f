import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin.core import idnumber
from fupin.core.errors import ValidationFailed

# A published sample number from GB 11643 documentation: check digit X.
KNOWN_VALID = "11010519491231002X"


def test_known_number_parses():
    info = idnumber.parse(KNOWN_VALID)
    assert info.area_code == "110105"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "女"


def test_lowercase_x_is_normalised():
    assert idnumber.parse(KNOWN_VALID.lower()).number == KNOWN_VALID


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1101051949123100", "应为18位"),
        ("11010519491231002Y", "格式不正确"),
        ("110105194912310021", "校验位错误（应为 X）"),
        ("110105194902300020", "出生日期无效"),
    ],
)
def test_invalid_numbers_have_chinese_messages(value, message):
    with pytest.raises(ValidationFailed) as err:
        idnumber.parse(value)
    assert message in err.value.message


def test_future_birth_date_refused():
    number = idnumber.make("510981", dt.date(2030, 1, 1), 11)
    with pytest.raises(ValidationFailed, match="不合理"):
        idnumber.parse(number, today=dt.date(2026, 1, 1))


births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))


@given(births, st.integers(min_value=0, max_value=999))
def test_made_numbers_roundtrip(birth, seq):
    number = idnumber.make("510981", birth, seq)
    info = idnumber.parse(number)
    assert info.birth_date == birth
    assert info.sex == ("男" if seq % 2 else "女")


@given(births, st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=16))
def test_any_single_digit_change_is_detected(birth, seq, position):
    number = idnumber.make("510981", birth, seq)
    digit = int(number[position])
    for replacement in range(10):
        if replacement == digit:
            continue
        changed = number[:position] + str(replacement) + number[position + 1 :]
        # MOD 11-2 catches every single-digit substitution.
        assert not idnumber.is_valid(changed)
        assert idnumber.check_char(changed[:17]) != number[17]
