"""Register inputs built in code: one row per birth, per in-migrant woman, per staff member.

Each builder takes compact specs and returns rows whose expected counts the tests can state by
hand (a row is a list of cells under the header given first).
"""

from __future__ import annotations

from typing import Any

BIRTH_HEADER = ["乡镇", "村", "出生日期", "性别", "是否符合政策", "是否出生缺陷", "妊娠结局"]
MIGRANT_HEADER = ["乡镇", "身份证号", "是否建档", "是否查验证", "是否信息联系"]
STAFF_HEADER = ["服务站", "姓名", "是否在编", "是否专业技术人员"]


def births(
    town: str,
    boys: int,
    girls: int,
    *,
    date: str = "2024-05-01",
    village: str = "东村",
    outside_policy: int = 0,
    defects: int = 0,
    stillbirths: int = 0,
) -> list[list[Any]]:
    """``boys`` + ``girls`` live births (the first ``outside_policy`` of them outside policy,
    the first ``defects`` with a birth defect), then ``stillbirths`` stillborn boys."""
    rows: list[list[Any]] = []
    sexes = ["男"] * boys + ["女"] * girls
    for n, sex in enumerate(sexes):
        policy = "否" if n < outside_policy else "是"
        defect = "是" if n < defects else "否"
        rows.append([town, village, date, sex, policy, defect, "活产"])
    rows += [[town, village, date, "男", "是", "否", "死胎"] for _ in range(stillbirths)]
    return rows


def migrants(
    town: str,
    women: int,
    *,
    archived: int,
    certified: int | None = None,
    contacted: int | None = None,
    first_id: int = 0,
) -> list[list[Any]]:
    """``women`` in-migrant women with unique ids; the first ``archived`` have a file, etc."""
    certified = women if certified is None else certified
    contacted = women if contacted is None else contacted
    return [
        [
            town,
            f"3715211990{first_id + n:08d}",
            "是" if n < archived else "否",
            "是" if n < certified else "否",
            "是" if n < contacted else "否",
        ]
        for n in range(women)
    ]


def staff(town: str, *, established: int, technical: int, outside: int = 0) -> list[list[Any]]:
    """``established`` staff on establishment (the first ``technical`` medical-technical), and
    ``outside`` staff off establishment who are all technical (they must not count)."""
    rows = [[town, f"{town}{n}", "是", "是" if n < technical else "否"] for n in range(established)]
    rows += [[town, f"{town}外{n}", "否", "是"] for n in range(outside)]
    return rows
