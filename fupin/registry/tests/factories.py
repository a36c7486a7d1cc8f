"""Builders for registry test data: valid ID numbers whose area code matches the county.

They build service inputs (dicts), not rows: tests create households through the services so
the rules, audit and rollups run as in production."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from fupin.core import idnumber

_seq = itertools.count(1)


def id_number(county_code: str, birth: dt.date, *, male: bool = True) -> str:
    n = next(_seq) % 500
    return idnumber.make(county_code, birth, n * 2 + (1 if male else 0))


def member(
    county_code: str, name: str, relation: str, birth: dt.date, **extra: Any
) -> dict[str, Any]:
    male = extra.pop("male", relation in {"head", "son", "grandson", "father", "son_in_law"})
    return {
        "name": name,
        "relation": relation,
        "id_number": id_number(county_code, birth, male=male),
        "insured_medical": True,
        **extra,
    }


def household_data(household_no: str, **extra: Any) -> dict[str, Any]:
    return {
        "household_no": household_no,
        "head_name": "",
        "attribute": "general",
        "identified_year": 2014,
        "main_cause": "illness",
        "declared_size": 0,
        "housing_grade": "B",
        **extra,
    }


def family(county_code: str) -> list[dict[str, Any]]:
    return [
        member(county_code, "张大山", "head", dt.date(1970, 3, 1)),
        member(county_code, "李秀兰", "spouse", dt.date(1972, 5, 9), male=False),
        member(county_code, "张小明", "son", dt.date(2012, 9, 1), schooling="primary"),
    ]
