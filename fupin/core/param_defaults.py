"""Parameters of SPEC §2–§3 whose defaults come from national policy.

The registry and workflow apps read them with `fupin.core.params.get(...)`; declaring them
here makes them editable on the parameter page from day one.
"""

from __future__ import annotations

from decimal import Decimal

from fupin.core.params import define

# National poverty line at current prices (2010 constant-price line 2,300 yuan), per year.
POVERTY_LINE = define(
    "registry.poverty_line",
    "贫困标准（农民人均纯收入）",
    Decimal("4000"),
    kind="decimal",
    unit="元/人·年",
    help="按年度设置；2010年不变价 2300 元，各年现价标准见按年度默认值",
    minimum=Decimal("0"),
    year_defaults={
        2016: Decimal("3146"),
        2017: Decimal("3335"),
        2018: Decimal("3535"),
        2019: Decimal("3747"),
        2020: Decimal("4000"),
    },
)

# Return-to-poverty monitoring line (2021 onward); provinces adjust it every year.
MONITORING_LINE = define(
    "registry.monitoring_line",
    "防止返贫监测标准",
    Decimal("6000"),
    kind="decimal",
    unit="元/人·年",
    help="按年度设置，由省级根据当年情况调整",
    minimum=Decimal("0"),
    year_defaults={2021: Decimal("6000")},
)

NOTICE_DAYS = define(
    "workflows.notice_days",
    "公示期",
    7,
    unit="天",
    help="识别、退出等公示的最短天数；公示期满前不得进入下一环节",
    minimum=1,
    maximum=60,
)

# 3% is the line for western provinces (Sichuan included); central provinces (山西 14,
# 安徽 34, 江西 36, 河南 41, 湖北 42, 湖南 43) use 2% (国开办发〔2016〕16号 and the
# 贫困退出机制意见). Eastern provinces, which had no national poor villages, follow the 2% line.
CENTRAL_PROVINCES = ("14", "34", "36", "41", "42", "43")
INCIDENCE_THRESHOLD = define(
    "village.incidence_threshold",
    "贫困村退出贫困发生率上限",
    Decimal("3"),
    kind="decimal",
    unit="%",
    help="西部省份 3%，中部省份（山西、安徽、江西、河南、湖北、湖南）2%，按省自动取值",
    minimum=Decimal("0"),
    maximum=Decimal("100"),
    region_defaults={code: Decimal("2") for code in CENTRAL_PROVINCES},
)

COUNTY_INCIDENCE_THRESHOLD = define(
    "county.incidence_threshold",
    "贫困县摘帽贫困发生率上限",
    Decimal("3"),
    kind="decimal",
    unit="%",
    help="西部省份 3%，中部省份 2%，按省自动取值",
    minimum=Decimal("0"),
    maximum=Decimal("100"),
    region_defaults={code: Decimal("2") for code in CENTRAL_PROVINCES},
)

COUNTY_ERROR_RATE = define(
    "county.max_error_rate",
    "贫困县摘帽错退率、漏评率上限",
    Decimal("2"),
    kind="decimal",
    unit="%",
    minimum=Decimal("0"),
    maximum=Decimal("100"),
)

COUNTY_SATISFACTION = define(
    "county.min_satisfaction",
    "贫困县摘帽群众认可度下限",
    Decimal("90"),
    kind="decimal",
    unit="%",
    minimum=Decimal("0"),
    maximum=Decimal("100"),
)

RISK_CLEAR_MONTHS = define(
    "monitoring.risk_clear_months",
    "监测对象风险消除观察期",
    6,
    unit="个月",
    help="核实风险已消除后，需持续稳定满该月数方可标注风险消除",
    minimum=1,
    maximum=36,
)

LARGE_MEDICAL_EXPENSE = define(
    "monitoring.large_medical_expense",
    "大额医疗支出预警线（自付部分）",
    Decimal("10000"),
    kind="decimal",
    unit="元/年",
    minimum=Decimal("0"),
)
