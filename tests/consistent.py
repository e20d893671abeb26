"""Consistent 决算 submissions, Shanghai (表一–表九) and national (公开01–09): every identity holds."""

from __future__ import annotations

from typing import Any

#: 科目 rows of 表二/表三/表五: (code, name, 基本支出, 项目支出); 201 and 208 with their 款 and 项.
CLASSES = [("201", "一般公共服务支出", 300.0, 150.0), ("20101", "人大事务", 300.0, 150.0),
           ("2010101", "行政运行", 300.0, 150.0), ("208", "社会保障和就业支出", 80.0, 0.0),
           ("20805", "行政事业单位养老支出", 80.0, 0.0), ("2080505", "机关事业单位基本养老保险缴费支出", 80.0, 0.0)]


def shanghai_inputs() -> dict[str, Any]:
    """Inputs (field key → value) of a unit with 530 万元 一般公共预算 spending, 20 万元 其他收入, no 政府性基金
    or 国有资本经营 funds (表八、表九 empty with their 说明)."""
    out: dict[str, Any] = {
        "sh01.inc_gpb": 530.0, "sh01.inc_oth": 20.0, "sh01.exp_201": 450.0, "sh01.exp_208": 80.0,
        "sh01.opening": 100.0, "sh01.closing": 120.0,
        "sh04.inc_gpb": 530.0, "sh04.exp_201_gp": 450.0, "sh04.exp_208_gp": 80.0, "sh04.opening_gp": 100.0,
        "sh04.closing_gp": 100.0,
        "sh06.e30101": 200.0, "sh06.e30102": 100.0, "sh06.e30201": 30.0, "sh06.e30205": 5.0, "sh06.e30215": 5.0,
        "sh06.e30231": 10.0, "sh06.e31002": 30.0,
        "sh07.b_car_run": 12.0, "sh07.f_car_run": 10.0, "sh07.b_recep": 3.0,
        "sh08.empty_note": "说明：上海市测试局本年度没有政府性基金预算财政拨款收入和支出，故本表无数据。",
        "sh09.empty_note": "说明：上海市测试局本年度没有国有资本经营预算财政拨款收入和支出，故本表无数据。",
    }
    for i, (code, name, basic, project) in enumerate(CLASSES):
        other = 20.0 if code.startswith("201") else 0.0
        out |= {f"sh02.rows[{i}].code": code, f"sh02.rows[{i}].name": name,
                f"sh02.rows[{i}].fiscal": basic + project, f"sh02.rows[{i}].other": other}
        out |= {f"sh03.rows[{i}].code": code, f"sh03.rows[{i}].name": name,
                f"sh03.rows[{i}].basic": basic, f"sh03.rows[{i}].project": project}
        out |= {f"sh05.rows[{i}].code": code, f"sh05.rows[{i}].name": name,
                f"sh05.rows[{i}].basic": basic, f"sh05.rows[{i}].project": project}
    return out


#: Shanghai tables → the national tables with the same field ids (表七 三公 = 公开09, 表八 = 公开07, 表九 = 公开08).
NATIONAL = {"sh01": "gk01", "sh02": "gk02", "sh03": "gk03", "sh04": "gk04", "sh05": "gk05", "sh06": "gk06",
            "sh07": "gk09", "sh08": "gk07", "sh09": "gk08"}


def national_inputs() -> dict[str, Any]:
    """The same unit in the national edition: the Shanghai figures under the national tables' field ids."""
    return {NATIONAL[k.split(".", 1)[0]] + "." + k.split(".", 1)[1]: v for k, v in shanghai_inputs().items()
            if not k.startswith("sh07.empty_note")}
