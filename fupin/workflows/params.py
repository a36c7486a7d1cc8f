"""Workflow parameters besides the national ones in fupin/core/param_defaults.py."""

from fupin.core.params import define

PUBLIC_ID_HEAD = define(
    "public.id_mask_head",
    "公开名单身份证号保留前几位",
    3,
    unit="位",
    help="公示、门户等公开名单中身份证号最多显示前 3 位和后 2 位（SPEC §10）",
    minimum=0,
    maximum=3,
)
PUBLIC_ID_TAIL = define(
    "public.id_mask_tail",
    "公开名单身份证号保留后几位",
    2,
    unit="位",
    minimum=0,
    maximum=2,
)
