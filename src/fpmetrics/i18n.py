"""User-facing text in Chinese (default) and English.

Keep every message a user reads here, keyed by a stable id, so both languages stay in step.
A renderer's own words share a prefix (``html_``, ``xlsx_``, ``template_``); lists are
written with :func:`join` (``list_separator``). tests/test_catalogue.py checks that every key
the code asks for exists, in both languages, with the same placeholders (docs/messages.md).
"""

from __future__ import annotations

from collections.abc import Iterable

LANGS = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # input files
    "file_missing": ("找不到文件: {file}", "No such file: {file}"),
    "file_empty": (
        "文件 {file} 是空的(没有任何内容)。请确认保存的是填好数据的那个文件。",
        "{file} is empty (it has no content at all). Check that the file with the data was saved.",
    ),
    "file_is_dir_empty": (
        "文件夹中没有可读的表格文件: {file}",
        "No spreadsheet files in folder: {file}",
    ),
    "file_unreadable": (
        "无法读取文件 {file}: {detail}",
        "Cannot read {file}: {detail}",
    ),
    "file_is_html": (
        "这是网页(HTML)表格,只是扩展名为表格文件;请在 Excel/WPS 中打开并另存为 .xlsx",
        "it is an HTML table with a spreadsheet extension; open it in Excel/WPS "
        "and save it as .xlsx",
    ),
    "no_such_sheet": (
        "没有名为“{sheet}”的工作表(有: {sheets})",
        "no sheet named '{sheet}' (sheets: {sheets})",
    ),
    "file_format_unknown": (
        "无法识别文件 {file} 的格式(既不是 Excel 也不是文本表格)。请用 Excel 或 WPS 另存为 .xlsx 或 CSV 后重试。",
        "Cannot tell what kind of file {file} is (neither Excel nor a text table). "
        "Save it again as .xlsx or CSV from Excel or WPS.",
    ),
    "file_encoding_unknown": (
        '无法识别文件 {file} 的文字编码(试过 UTF-8 与 GB18030)。请另存为 "CSV UTF-8"。',
        'Cannot decode {file} (tried UTF-8 and GB18030). Save it as "CSV UTF-8".',
    ),
    # hostile input files (issue 14): limits and damaged files, each with what to do
    "file_bad_bytes": (
        "文件 {file} 第 {line} 行有不是 {encoding} 编码的字节(文件第 {offset} 字节)。"
        '可能是几个文件拼接而成;请用 Excel/WPS 打开该文件,另存为"CSV UTF-8"后重试。',
        "{file}, line {line}: bytes that are not {encoding} (byte {offset}); perhaps files "
        'of different encodings were joined. Open it in Excel/WPS and save it as "CSV UTF-8".',
    ),
    "line_too_long": (
        "文件 {file} 第 {line} 行超过 {limit}(没有换行):这不是正常的表格,可能是损坏的文件或存错了内容。"
        "请检查该文件,必要时从 Excel/WPS 重新导出。",
        "{file}, line {line} is longer than {limit} (no line break): not a normal table; the "
        "file may be damaged or hold something else. Check it, or export it again from "
        "Excel/WPS.",
    ),
    "text_too_big": (
        "文件 {file} 有 {size},超过汇总表 {limit} 的上限,而前 30 行中没有可识别的登记册表头。"
        "请确认文件是否正确;登记册需要可识别的表头(见 `fpmetrics fields`)。",
        "{file} is {size}, over the {limit} limit for a summary table, and its first 30 rows "
        "name no register. Check the file; a register needs a recognisable header (see "
        "`fpmetrics fields`).",
    ),
    "sheet_too_big": (
        "{where}: 工作表中有内容的单元格延伸到 {cell},共 {cells} 个非空单元格,超过 {limit} 的上限。"
        "请删除表格以外的多余单元格(或拆分文件)后重新保存。",
        "{where}: the sheet has {cells} filled cells (reaching {cell}), over the {limit} "
        "limit. Delete stray cells outside the table (or split the file) and save it again.",
    ),
    "xlsx_damaged": (
        "文件已损坏,无法读取({detail})。请用 Excel 或 WPS 打开,另存为 .xlsx 后重试",
        "the file is damaged ({detail}). Open it in Excel or WPS and save it again as .xlsx",
    ),
    "register_unreadable": (
        '{where}: 读取登记册时出错({detail})。请用 Excel/WPS 打开,另存为"CSV UTF-8"后重试。',
        "{where}: the register could not be read ({detail}). Open it in Excel/WPS and save it "
        'as "CSV UTF-8".',
    ),
    "too_many_units": (
        "{where}: 有 {count} 个不同的乡镇名称,超过 {limit} 的上限;乡镇列可能选错了列或数据有误。",
        "{where}: {count} distinct township names, over the {limit} limit; the township "
        "column may be the wrong column, or the data is damaged.",
    ),
    "no_header": (
        "{where}: 在前 {rows} 行中找不到可识别的表头(需要乡镇列和至少一个指标字段)。"
        "可识别的表头见 `fpmetrics fields`。",
        "{where}: no recognisable header in the first {rows} rows (a township column and at "
        "least one count field are needed). See `fpmetrics fields` for accepted headers.",
    ),
    "not_a_register": (
        "{where}: 不是 --kind {name} 所指的{kind}表: 前 30 行中没有含 {columns} 的表头行。",
        "{where}: not a {kind} register (--kind {name}): no header row with {columns} in the first 30 rows.",
    ),
    "register_any_of": (",以及 {columns} 中至少一列", ", and at least one of {columns}"),
    # Registers where they live: Parquet, databases, Spark (issue 20)
    "engine_extra_missing": (
        "{what} 需要可选组件,请安装: pip install 'fpmetrics[{extra}]'",
        "{what} needs an optional extra; install it: pip install 'fpmetrics[{extra}]'",
    ),
    "engine_not_register": (
        "{where}: 列 {names} 不像任何登记表(出生登记需 乡镇、出生日期、性别;流入人口需 乡镇、身份证号 等,见 `fpmetrics fields`)。",
        "{where}: the columns {names} name no register (births need 乡镇, 出生日期, 性别; migrants 乡镇, 身份证号 …; see `fpmetrics fields`).",
    ),
    "engine_need_table": (
        '数据库输入 {where} 需要 --table 表名 或 --query "select …"(只能给一个)。',
        'Database input {where} needs --table NAME or --query "select …" (one of them).',
    ),
    "engine_one_database": (
        "--table/--query 只适用于一个数据库输入(给了 {count} 个)。",
        "--table/--query apply to one database input ({count} given).",
    ),
    "engine_options_unused": (
        "{option} 只用于数据库或 --engine spark 输入。",
        "{option} is only for a database input or --engine spark.",
    ),
    "db_password_prompt": ("{where} 的密码: ", "Password for {where}: "),
    "db_unreachable": (
        "无法连接数据库 {where}: {detail}",
        "Cannot connect to database {where}: {detail}",
    ),
    "db_auth": (
        "数据库 {where} 拒绝登录(用户名或密码错误): {detail}",
        "Database {where} refused the login (wrong user or password): {detail}",
    ),
    "db_no_table": (
        "数据库 {where} 中找不到 {table}: {detail}",
        "Database {where} has no {table}: {detail}",
    ),
    "db_bad_type": (
        "{where}: 列 {column} 的类型是 {type},无法按文本读取(应为文本、数字或日期)。",
        "{where}: column {column} is of type {type}, which cannot be read as text (text, numbers or dates are).",
    ),
    "db_dropped": (
        "数据库 {where} 的连接在查询中断开: {detail}",
        "The connection to database {where} was lost during the query: {detail}",
    ),
    "db_failed": (
        "数据库 {where} 查询出错: {detail}",
        "Database {where}: the query failed: {detail}",
    ),
    "engine_files_only": (
        "{command} 只读文件,不读数据库或 Spark 的表:{where}。数据库里的登记表请用 check 或 score。",
        "{command} reads files only, not a database or Spark table: {where}. Use check or score "
        "for a register in a database.",
    ),
    "engine_records_unsupported": (
        "--records 目前只支持文件登记表(CSV、Excel、Parquet),不支持 {where}。",
        "--records works on file registers (CSV, Excel, Parquet) only, not on {where}.",
    ),
    "spark_failed": ("Spark 运行出错({where}): {detail}", "Spark failed ({where}): {detail}"),
    "spark_needs_input": (
        "--engine spark 需要 Parquet 文件或文件夹,或 Spark 目录中的表(hive:表名)。",
        "--engine spark needs a Parquet file or folder, or a table of Spark's catalog (hive:NAME).",
    ),
    "no_tables_in": (
        "输入中没有可用的数据表(已跳过: {files})。",
        "No usable table in the input (skipped: {files}).",
    ),
    "skipped_own_report": (
        "已跳过: 这是 fpmetrics 生成的报告,不是乡镇报表",
        "skipped: a report fpmetrics wrote, not a township sheet",
    ),
    "skipped_no_table": (
        "已跳过: 其中没有乡镇数据表或登记表",
        "skipped: no township table or register in it",
    ),
    "no_tables": (
        "输入中没有可用的数据表。",
        "No usable table in the input.",
    ),
    "output_is_input": (
        "输出文件 {file} 与输入文件相同,已拒绝写入,以免覆盖原始数据。",
        "Refusing to write {file}: it is one of the input files.",
    ),
    "template_exists": (
        "文件 {file} 已经存在,未写入(以免覆盖已填写的数据)。换一个文件名,或加 --force 覆盖。",
        "{file} already exists: not written (it may hold data already filled in). "
        "Choose another name, or add --force to overwrite it.",
    ),
    # the fill-in workbook (`fpmetrics template`; report/template.py)
    "template_sheet": ("填报表", "Form"),
    "template_help_sheet": ("填表说明", "Instructions"),
    "template_title": ("{title} 基础数据填报表", "{title}: data form"),
    "template_unit_line": ("单位:人", "Unit: persons"),
    "template_footer_unit": ("填报单位(盖章):", "填报单位(盖章):"),
    "template_footer_filler": ("填表人:", "填表人:"),
    "template_footer_checker": ("审核人:", "审核人:"),
    "template_footer_date": ("报出日期:", "报出日期:"),
    "template_error_title": ("只能填写整数", "Whole numbers only"),
    "template_error": (
        "请填写不小于 0 的整数(人数、例数)。",
        "Enter a whole number ≥ 0 (persons, cases).",
    ),
    "template_help_header": ("表头", "Header"),
    "template_help_field": ("字段名", "Field"),
    "template_help_meaning": ("含义", "Meaning"),
    "template_help_used_by": ("用于指标", "Used by"),
    "template_help_intro_1": (
        "每个乡镇(街道)填一行,统计期填年度(如 2024)或月份(如 2024-09);"
        "人数、例数只填整数,没有的填 0,不知道的留空。",
        "One row per township; 统计期 is the year (2024) or month (2024-09). Counts are "
        "whole numbers, 0 where there are none, blank if unknown.",
    ),
    "template_help_intro_2": (
        "“其中”各项不得大于其总数(如已建档数不得大于流入已婚育龄妇女数)。",
        "A part may not exceed its whole (archived ≤ in-migrant women, and so on).",
    ),
    "template_help_intro_3": (
        "请勿修改表头;不要加合计行以外的说明行。填好后交县里用 fpmetrics 检查。",
        "Do not change the header. Return the file to the county for `fpmetrics check`.",
    ),
    # output targets (issue 14)
    "output_is_records": (
        "--output 与 --records 是同一个文件 {file};请给两个不同的文件名。",
        "--output and --records name the same file {file}; give two different names.",
    ),
    "output_failed": ("无法写入 {file}: {detail}", "Cannot write {file}: {detail}"),
    "bad_option": ("选项错误: {detail}", "Bad option: {detail}"),
    "opt_units_empty": ("--units 中没有乡镇名称", "--units names no township"),
    "opt_overdispersion": (
        "--overdispersion 只能是 none、multiplicative 或 additive(给的是 {value})",
        "--overdispersion must be none, multiplicative or additive (not {value})",
    ),
    "opt_chart_suffix": (
        "漏斗图只能写成 .png 或 .svg 文件(给的是 {file})",
        "the chart is written as a .png or .svg file (not {file})",
    ),
    "opt_command_format": (
        "{command} 不能输出 {fmt} 格式,可用的格式: {formats}",
        "{command} cannot write {fmt}; its formats are: {formats}",
    ),
    "opt_audit_format": (
        "audit 只能输出 table、json 或 csv(不是 {fmt});文件后缀: .txt、.json、.csv",
        "audit writes table, json or csv (not {fmt}); file suffixes: .txt, .json, .csv",
    ),
    "opt_template_suffix": (
        "填报模板是 .xlsx 文件(给的是 {file})",
        "the template is an .xlsx file (not {file})",
    ),
    "opt_needs_output": (
        "--format {fmt} 需要用 --output 指定要写入的文件",
        "--format {fmt} needs --output FILE",
    ),
    "opt_unknown_format": ("未知的格式 {fmt}", "unknown format {fmt}"),
    "opt_unknown_suffix": (
        "无法从文件名 {file} 判断输出格式。请使用以下后缀之一: {suffixes};或用 --format 指定格式",
        "cannot tell the output format from {file}: use one of the suffixes {suffixes}, "
        "or give --format",
    ),
    "opt_no_indicator": (
        "没有指标 {indicator}(现有: {indicators})",
        "no indicator '{indicator}' (there are: {indicators})",
    ),
    "opt_target": (
        "--target 只能是 overall、bound 或指标可能范围内的一个数值(给的是 {value})",
        "--target must be overall, bound or a number within the indicator's range (not {value})",
    ),
    # rule files
    "rules_not_found": (
        "找不到规则集 {name}(既不是文件,也不是内置规则集;内置: {shipped})。",
        "No rule set {name} (not a file, nor a shipped rule set; shipped: {shipped}).",
    ),
    "rules_yaml": (
        "规则文件 {file} 第 {line} 行 YAML 语法错误: {detail}",
        "{file}, line {line}: YAML syntax error: {detail}",
    ),
    "rules_invalid": ("文件 {file} 有误:\n{detail}", "{file} is invalid:\n{detail}"),
    "rules_cycle": (
        "规则文件 {file} 的 extends 形成循环。",
        "Rule file {file}: `extends` forms a cycle.",
    ),
    # hostile rule files, refused before their content is judged (issue 14; after "file:line: ")
    "rules_too_large": (
        "文件过大(上限 {limit} MB;规则文件通常只有几 KB)。请确认选的文件没有错。",
        "the file is too large (at most {limit} MB; a rule file is a few KB). "
        "Check that this is the right file.",
    ),
    "rules_not_utf8": (
        "文件不是 UTF-8 编码(看起来是 {found})。请在记事本或编辑器中“另存为”UTF-8 编码后重试。",
        "the file is not UTF-8 (it looks like {found}). Save it as UTF-8 in your editor "
        "and try again.",
    ),
    "rules_too_deep": (
        "嵌套超过 {limit} 层,规则文件不需要这么深。请检查括号 [ ] {{ }} 和缩进。",
        "nesting deeper than {limit} levels, far more than a rule file needs. "
        "Check the brackets [ ] {{ }} and the indentation.",
    ),
    "rules_too_many_nodes": (
        "内容超过 {limit} 项(别名 *名称 按它代表的全部内容计),规则文件不需要这么多。"
        "请检查别名的使用。",
        "more than {limit} values (an alias *name counts as all it stands for), far more "
        "than a rule file needs. Check the use of aliases.",
    ),
    "rules_alias_loop": (
        "别名 *{anchor} 引用了包含它自身的内容",
        "the alias *{anchor} refers to a value that contains it",
    ),
    "rules_extends_too_long": (
        "extends 链超过 {limit} 个文件",
        "the `extends` chain is longer than {limit} files",
    ),
    "rules_duplicate_key": (
        "键 {key} 出现了两次(第 {first} 行和本行);只能保留一个",
        "the key {key} is given twice (line {first} and here); keep one",
    ),
    # rule-file mistakes (after "file:line: key.path: ")
    "rule_unknown_key": ("未知的键", "unknown key"),
    "rule_missing": ("缺少必填项", "required key missing"),
    "rule_number": ("应为数字", "must be a number"),
    "rule_integer": ("应为整数", "must be a whole number"),
    "rule_bool": ("应为 true 或 false", "must be true or false"),
    "rule_text": ("应为文字", "must be text"),
    "rule_empty": ("不能为空", "must not be empty"),
    "rule_too_short": ("至少需要 {min_length} 项", "needs at least {min_length} item(s)"),
    "rule_too_long": ("最多 {max_length} 项", "at most {max_length} items"),
    "rule_literal": ("只能是以下之一: {expected}", "must be one of: {expected}"),
    "rule_gt": ("应大于 {gt}", "must be greater than {gt}"),
    "rule_ge": ("应不小于 {ge}", "must be at least {ge}"),
    "rule_lt": ("应小于 {lt}", "must be less than {lt}"),
    "rule_le": ("应不大于 {le}", "must be at most {le}"),
    "rule_mapping": ("应为映射(键: 值)", "must be a mapping (key: value)"),
    "rule_list": ("应为列表", "must be a list"),
    "rule_top_level": ("(顶层)", "(top level)"),
    "rule_not_mapping": ("文件内容应为映射(键: 值)", "the file must be a mapping (key: value)"),
    "rule_bound_finite": ("界值应为有限的数", "a bound must be a finite number"),
    "rule_max_below_min": (
        "max ({max}) 小于 min ({min})",
        "max ({max}) is smaller than min ({min})",
    ),
    "rule_share_impossible": (
        "{bound} {value} 不可能:{whole} 的占比只能在 0 到 {scale} 之间",
        "{bound} {value} is impossible for a share of {whole} (0 to {scale})",
    ),
    "rule_no_bound": ("min 和 max 至少要给一个", "give at least one of min and max"),
    "rule_unknown_field": (
        "未知的字段 '{name}'(字段名见 `fpmetrics fields`)",
        "unknown field '{name}' (see `fpmetrics fields` for the names)",
    ),
    "rule_expr_syntax": ("无法解析 '{text}': {detail}", "cannot parse '{text}': {detail}"),
    "rule_expr_not_allowed": (
        "'{text}' 不允许(只能用字段名、数字、+ - *、括号和 abs())",
        "'{text}' is not allowed (fields, numbers, + - *, parentheses, abs())",
    ),
    # expressions and numbers past the limits (issue 14; docs/limits-rules.md)
    "rule_expr_too_long": (
        "表达式有 {length} 个字符,上限 {limit} 个",
        "the expression has {length} characters, at most {limit} are allowed",
    ),
    "rule_expr_too_deep": (
        "表达式嵌套超过 {limit} 层(括号、负号或 abs)",
        "the expression nests deeper than {limit} levels (parentheses, minus signs, abs)",
    ),
    "rule_expr_constant": (
        "数字 {value} 超出范围:表达式中的数字应为 0,或绝对值在 {low} 到 {high} 之间",
        "the number {value} is out of range: a number in an expression must be 0 or "
        "between {low} and {high} in size",
    ),
    "rule_expr_too_large": (
        "'{text}' 在各计数不超过 {count} 时可达 {magnitude},上限为 {limit}"
        "(字段之间不能相乘,只能乘以常数)",
        "'{text}' can reach {magnitude} with counts up to {count}; at most {limit} is allowed "
        "(multiply counts by constants, not by each other)",
    ),
    "rule_number_range": (
        "应在 {low} 到 {high} 之间(给的是 {value})",
        "must be between {low} and {high} (not {value})",
    ),
    "rule_finite": (
        "应为有限的数(不能是 .inf 或 .nan)",
        "must be a finite number (not .inf or .nan)",
    ),
    "rule_scoring_unknown": (
        "scoring 中提到了本规则集没有的指标: {indicators}",
        "scoring names indicators this rule set does not have: {indicators}",
    ),
    "rule_id_case": (
        "指标 id '{key}' 应为小写字母加下划线(lower_snake_case)",
        "indicator id '{key}' must be lower_snake_case",
    ),
    "rules_valid": (
        "规则文件 {file} 有效: {count} 个指标。",
        "{file} is valid: {count} indicators.",
    ),
    # fields a rule file declares (issue 22; docs/own-fields.md; after "file:line: fields.x: ")
    "field_id_case": (
        "字段 id '{key}' 应为小写字母加下划线(lower_snake_case)",
        "field id '{key}' must be lower_snake_case",
    ),
    "field_builtin_clash": (
        "'{name}' 是内置字段,不能再声明;请换一个 id(给内置字段加表头请用 aliases)",
        "'{name}' is a built-in field and cannot be declared again; choose another id "
        "(to add headers to a built-in field, use aliases)",
    ),
    "field_declared_twice": (
        "字段 '{name}' 已在规则集中声明,不能再声明",
        "field '{name}' is already declared by the rule set",
    ),
    "field_header_taken": (
        "表头 '{header}' 已属于字段 '{other}':一个表头只能对应一个字段",
        "the header '{header}' already names the field '{other}': a header names one field",
    ),
    "field_part_unknown": (
        "part_of 应为一个计数字段,'{name}' 不是(字段名见 `fpmetrics fields`)",
        "part_of must name a count field; '{name}' is not one (see `fpmetrics fields`)",
    ),
    "field_part_cycle": (
        "part_of 形成循环: {chain}",
        "part_of goes round in a cycle: {chain}",
    ),
    "rules_no_source": (
        "警告: {where} 没有 source(阈值出处)。建议写明文件标题和原文,便于核对。",
        "warning: {where} has no source for its threshold. Cite the document's title and "
        "the passage, so that others can check it.",
    ),
    # data problems
    "p_not_a_number": (
        '不是数字: "{value}"(应为非负整数)',
        'not a number: "{value}" (a whole number ≥ 0 is expected)',
    ),
    # hostile input (issue 14): counts that are no finite count
    "p_too_large": (
        '不是有效人数: "{value}"(过大或不是有限数;人数应为不超过 {limit} 的非负整数)',
        'not a usable count: "{value}" (too large or not finite; a count is a whole number '
        "from 0 to {limit})",
    ),
    "p_negative": ("负数: {value}(人数不能为负)", "negative: {value} (a count cannot be negative)"),
    "p_fractional": (
        "不是整数: {value}(人数应为整数)",
        "not a whole number: {value} (a count is a whole number)",
    ),
    "p_excel_error": (
        "Excel 错误值 {value},按空值处理",
        "Excel error value {value}, read as empty",
    ),
    "p_part_exceeds_whole": (
        "{part}({part_value})大于{whole}({whole_value})",
        "{part} ({part_value}) is larger than {whole} ({whole_value})",
    ),
    "p_births_sum": (
        "出生人数 {births} ≠ 男婴 {male} + 女婴 {female} = {sum}",
        "births {births} ≠ boys {male} + girls {female} = {sum}",
    ),
    "p_duplicate_unit": (
        "乡镇“{unit}”重复出现(第 {rows} 行),其各项指标标为无效",
        'township "{unit}" appears more than once (rows {rows}); its checks are marked invalid',
    ),
    "p_conflicting_inputs": (
        "乡镇“{unit}”的 {columns} 在多个输入中都有数据({where}),无法判断以哪个为准,相关指标标为无效",
        'township "{unit}": {columns} given by more than one input ({where}); the checks they feed are marked invalid',
    ),
    "p_unit_missing_from_input": (
        "乡镇“{unit}”不在 {files} 中,缺少字段: {fields}",
        'township "{unit}" is not in {files}; missing: {fields}',
    ),
    "p_totals_mismatch": (
        "合计行为 {total},各乡镇相加为 {summed}(相差 {difference})",
        "totals row says {total}, the townships add up to {summed} (difference {difference})",
    ),
    "p_missing_unit": ("有数据但没有乡镇名称", "row has data but no township name"),
    # problem hints: how to fix each problem, one sentence (issue 19)
    "hint_not_a_number": (
        "在该单元格填入非负整数(没有就填 0),删去文字、空格和单位。",
        "Type a whole number (0 if none) in the cell, without words, spaces or units.",
    ),
    "hint_negative": (
        "改为正确的人数(不能为负)。",
        "Replace it with the right count (not negative).",
    ),
    "hint_fractional": ("改为整数人数。", "Replace it with a whole number."),
    "hint_excel_error": (
        "修正产生该错误值的公式,或直接填入数字。",
        "Fix the formula that gives this error, or type the number.",
    ),
    "hint_part_exceeds_whole": (
        "核对这两列:部分不能大于总数,改正填错的一个。",
        "Check both columns: a part cannot exceed its whole; correct the wrong one.",
    ),
    "hint_births_sum": (
        "核对出生人数与男婴、女婴人数,使其相加一致。",
        "Check births, boys and girls so that boys + girls = births.",
    ),
    "hint_duplicate_unit": (
        "删去重复的一行,或合并为一行后再运行。",
        "Delete the repeated row, or merge the rows into one, and run again.",
    ),
    "hint_missing_unit": (
        "在该行填上乡镇名称,或删去这一行。",
        "Type the township's name in the row, or delete the row.",
    ),
    "hint_totals_mismatch": (
        "核对合计行与各乡镇数字,改正其中有误的一处。",
        "Check the totals row against the townships' figures and correct the wrong one.",
    ),
    "hint_unit_missing_from_input": (
        "在缺少的文件中补上该乡镇的一行,或核对乡镇名称的写法。",
        "Add the township's row to the file that lacks it, or check how its name is spelt.",
    ),
    "hint_file_skipped": (
        "若需要该文件,请单独在命令行中给出,查看它为何无法读取。",
        "If the file is needed, name it on the command line to see why it cannot be read.",
    ),
    "hint_unknown_sex": (
        "性别填 男 或 女(也可用 1/2、M/F)。",
        "Use 男 or 女 (or 1/2, M/F) for sex.",
    ),
    "hint_unknown_code": (
        "按列标题要求填写代码(如 是/否、活产/死胎/死产)。",
        "Use one of the codes the column expects (such as 是/否, 活产/死胎/死产).",
    ),
    "hint_bad_date": (
        "填入有效日期,如 2024-03-15。",
        "Type a valid date, such as 2024-03-15.",
    ),
    "hint_unknown_unit": (
        "改正乡镇名称的写法,或把它加入 --units 名单。",
        "Correct the township's name, or add it to the --units list.",
    ),
    "hint_duplicate_id": (
        "删去重复的记录,或改正录错的编号。",
        "Delete the repeated record, or correct the mistyped id.",
    ),
    "whole_county": ("全县", "county"),
    "window_line": ("{name}(近 {n} 期均须达标):", "{name} (each of the last {n} periods):"),
    "window_failed": ("不达标 {units}", "failed: {units}"),
    "window_short": (
        "期数不足 {n} 期,仅按已有数据判断: {units}",
        "fewer than {n} periods, checked on what was given: {units}",
    ),
    "window_short_all": (
        "输入只有 {have} 期,少于规则要求的 {n} 期,仅按已有数据判断",
        "the input has {have} period(s), fewer than the {n} the rule asks for; checked on what was given",
    ),
    "window_no_periods": (
        "输入没有统计期,仅按已有数据判断(按年分期: 统计期列,或登记表的 --period year)",
        "the input has no periods; checked on what was given (a period column, or --period year for registers)",
    ),
    "explain_register": (
        "{where}: {kind}登记表,表头在第 {row} 行",
        "{where}: {kind} register, header on row {row}",
    ),
    "explain_unit_title": ("{unit}: 各指标的计数来源", "{unit}: the counts behind each indicator"),
    "explain_unit_missing": (
        "没有名为“{unit}”的单位(也没有此文件)。现有单位: {units}",
        "No unit named '{unit}' (and no such file). Units: {units}",
    ),
    "explain_excluded": (
        "未计入的记录 {count} 条(见问题列表)",
        "{count} records not counted (see problems)",
    ),
    "records_written": ("已写出 {count} 条记录: {file}", "Wrote {count} records: {file}"),
    "records_none": (
        "没有不达标的登记表指标,未写出 {file}",
        "No failing register-based check; {file} not written",
    ),
    "col_counts": ("计数(分子 / 分母)", "counts (numerator / denominator)"),
    "explain_absent": (
        "输入中没有所需字段: {indicators}",
        "no input gives the fields of: {indicators}",
    ),
    "col_notes": ("备注", "notes"),
    "note_records_excluded": ("有记录未计入", "records excluded"),
    "note_fewer_periods": ("期数不足", "fewer periods than required"),
    # register records (one row per birth, migrant woman, staff member)
    "p_unknown_sex": (
        "性别代码无法识别: “{value}”(应为 男/女、1/2、M/F);该记录未计入",
        "unknown sex code '{value}' (expected 男/女, 1/2, M/F); record not counted",
    ),
    "p_unknown_code": (
        "代码无法识别: “{value}”(应为 {expected});该记录未计入",
        "unknown code '{value}' (expected {expected}); record not counted",
    ),
    "p_bad_date": (
        "不是有效日期: “{value}”;该记录未计入",
        "not a date: '{value}'; record not counted",
    ),
    "p_bad_date_unused": (
        "不是有效日期: “{value}”(未按期间分组,记录仍计入)",
        "not a date: '{value}' (no --period, so the record still counts)",
    ),
    "p_unknown_unit": (
        "乡镇“{value}”不在 --units 名单中;该记录未计入",
        "township '{value}' is not in the --units list; record not counted",
    ),
    "p_missing_unit_record": ("记录没有乡镇名称;未计入", "record has no township; not counted"),
    "p_duplicate_id": (
        "编号 {value} 重复(首次出现在第 {first} 行);重复记录未计入",
        "id {value} appears again (first at row {first}); the repeat is not counted",
    ),
    "p_more_records": (
        "{file}: 共 {count} 条记录有此问题({code}, 列“{column}”),以上仅列出前 {shown} 条",
        "{file}: {count} records have this problem ({code}, column '{column}'); "
        "the first {shown} are listed",
    ),
    "p_expected_yes_no": ("是/否、有/无、Y/N、1/0、√/×", "是/否, 有/无, Y/N, 1/0, √/×"),
    "p_expected_outcome": ("活产/死胎/死产", "活产/死胎/死产 (live/stillbirth)"),
    "p_unknown_columns": (
        "未识别的列(已忽略): {columns}",
        "columns not recognised (ignored): {columns}",
    ),
    # verdict words
    "status_pass": ("达标", "pass"),
    "status_fail": ("不达标", "FAIL"),
    "status_warn": ("警告", "warn"),
    "status_no_data": ("无数据", "no data"),
    "status_invalid": ("数据有误", "invalid"),
    "reason_denominator_zero": ("分母为0", "denominator is zero"),
    # evidence (issue 16): a count over a zero denominator is an infinite ratio, a failure
    "reason_infinite_ratio": (
        "分母为0而分子不为0: 比值无穷大,判为不达标",
        "denominator is zero but the numerator is not: an infinite ratio, a failure",
    ),
    "reason_field_missing": ("缺少字段: {fields}", "field missing: {fields}"),
    "reason_value_missing": ("数值为空: {fields}", "value empty: {fields}"),
    "reason_invalid_data": ("数据有误: {fields}", "invalid data: {fields}"),
    # how each language writes a list: 甲、乙、丙 / a, b, c (i18n.join)
    "list_separator": ("、", ", "),
    # table
    "table_title": ("考核指标检查 — {ruleset}", "Indicator check — {ruleset}"),
    "col_unit": ("乡镇", "Township"),
    "col_period": ("统计期", "Period"),
    "summary_counts": (
        "{units}, {checks} 项检查: 达标 {pass_} · 不达标 {fail} · 警告 {warn} · 无数据 {no_data} · 数据有误 {invalid}",
        "{units}, {checks} checks: {pass_} pass · {fail} fail · {warn} warn · {no_data} no data · {invalid} invalid",
    ),
    # HTML summary cards, all counting townships (issue 19)
    "card_units_pass": ("全部达标", "all pass"),
    "card_units_fail": ("有不达标", "with a fail"),
    "card_units_warn": ("有警告", "with a warning"),
    "card_units_no_data": ("有无数据项", "with no data"),
    "card_units_invalid": ("有数据错误", "with invalid data"),
    "cards_count_units": (
        "以上各项均按乡镇计数(一个乡镇可同时计入几项);检查项数见上一行。",
        "Every card counts townships (one may count under several); the line above counts checks.",
    ),
    "units_village": ("{n} 个村(居)", "{n} villages"),
    "units_township": ("{n} 个乡镇", "{n} townships"),
    "units_county": ("{n} 个县(区)", "{n} counties"),
    "units_periods": (" × {n} 期", " × {n} periods"),
    "col_unit_village": ("村(居)", "Village"),
    "col_unit_county": ("县(区)", "County"),
    # the HTML report (report/html.py): its lang attribute, headings and the problem table
    "html_lang": ("zh-CN", "en"),
    "html_summary": ("概况", "Summary"),
    "html_ranking": ("排名", "Ranking"),
    "html_matrix": ("指标一览", "Indicators"),
    "html_charts": ("各指标分布", "Each indicator"),
    "html_problems": ("数据问题", "Data problems"),
    "html_none": ("没有发现数据问题。", "No data problems found."),
    "html_band": ("达标区间", "passing range"),
    "html_inputs": ("输入", "Inputs"),
    "html_generated": ("生成", "Generated"),
    "html_unverified": ("否决项未核实", "veto unverified"),
    "html_level": ("级别", "Level"),
    "html_file": ("文件", "File"),
    "html_sheet": ("工作表", "Sheet"),
    "html_row": ("行", "Row"),
    "html_column": ("列", "Column"),
    "html_cell": ("单元格", "Cell"),
    "html_message": ("问题", "Problem"),
    "evidence_legend": (
        "● 95%置信区间整体越过标准:不是偶然  ○ 区间跨越标准:可能是偶然波动",
        "● the whole 95% interval is beyond the bound: not chance  ○ the interval straddles the bound: could be chance",
    ),
    # evidence on every report (issue 16): ●/○, interval, p-value, chance, FDR
    "evidence_summary": (
        "其中 ● 超出偶然 {clear} · ○ 可能是偶然 {inconclusive}",
        "of the fails: ● beyond chance {clear} · ○ could be chance {inconclusive}",
    ),
    "evidence_legend_report": (
        "● 精确单侧检验 p < {alpha}: 越过标准不是偶然  ○ 可能是偶然波动  区间: {level}% 精确置信区间"
        "  小样本: 单位太小, 结论意义有限",
        "● exact one-sided test p < {alpha}: beyond the bound, not chance  ○ could be chance"
        "  interval: {level}% exact  small sample: the unit is too small for its verdict to mean much",
    ),
    "evidence_chance": (
        "偶然性: 即使 {units}全部真实达标, 每项指标仍可能因偶然出现至多约 {expected} 个 ●"
        "(每个单位至多 {alpha}%)",
        "By chance alone: even if all {units} truly met a standard, up to about {expected} ● per"
        " indicator may appear (at most {alpha}% per unit)",
    ),
    "evidence_fdr": (
        "已按规则文件对每项指标做 Benjamini–Hochberg 错误发现率控制: {demoted} 个 ● 改为 ○,"
        " {kept} 个 ● 保留",
        "False-discovery-rate control (Benjamini–Hochberg per indicator, from the rule file):"
        " {demoted} ● became ○, {kept} ● kept",
    ),
    "evidence_details": ("不达标项的统计证据", "Evidence for each failure"),
    "col_evidence": ("判断", "Evidence"),
    "col_interval": ("{level}%区间", "{level}% interval"),
    "col_p_value": ("p值", "p-value"),
    "col_evidence_note": ("备注", "Note"),
    "note_small_sample": ("小样本", "small sample"),
    "note_fdr_inconclusive": ("FDR校正后不再明确", "not clear after FDR control"),
    "chart_no_data": ("无数据: {units}", "no data: {units}"),
    "chart_no_data_count": ("{units}无数据", "{units} without data"),
    "failing_units": ("不达标乡镇: {units}", "Townships failing: {units}"),
    "failing_units_village": ("不达标村(居): {units}", "Villages failing: {units}"),
    "failing_units_county": ("不达标县(区): {units}", "Counties failing: {units}"),
    # history (issue 21): --history, previous periods, `fpmetrics history`
    "newly_failing": ("新出现不达标: {units}", "Newly failing: {units}"),
    "history_recorded": ("已记入历史 {file}(运行 {run})", "Recorded in history {file} (run {run})"),
    "history_unreadable": (
        "无法读取历史文件 {file}: {detail}",
        "Cannot read history file {file}: {detail}",
    ),
    "history_busy": (
        "历史文件 {file} 一直被其他运行占用,未记入;请稍后重试",
        "History file {file} stayed locked by another run; nothing recorded. Try again later",
    ),
    "history_version": (
        "历史文件 {file} 的结构版本 {version} 无法识别(可能由更新的 fpmetrics 写入);请升级 fpmetrics",
        "History file {file} has schema version {version}, which this fpmetrics does not know "
        "(written by a newer fpmetrics?); upgrade fpmetrics",
    ),
    "history_no_runs": ("历史 {file} 中还没有运行记录", "No runs recorded in {file} yet"),
    "history_no_unit": ("历史中没有 {unit} 的结果", "No results for {unit} in the history"),
    "history_no_run": ("历史中没有运行 {run}", "No run {run} in the history"),
    "history_runs_title": ("历史运行记录: {file}", "Runs in {file}"),
    "history_unit_title": ("{unit} 的历次结果", "Results of {unit} over time"),
    "history_diff_title": ("运行 {a} → 运行 {b} 的变化", "Changes from run {a} to run {b}"),
    "history_diff_none": ("两次运行的结果没有差别", "The two runs give the same results"),
    "history_current": ("当前", "current"),
    "history_superseded": ("已被运行 {run} 修订", "revised by run {run}"),
    "col_run": ("运行", "Run"),
    "col_when": ("时间(UTC)", "When (UTC)"),
    "col_inputs": ("输入", "Inputs"),
    "col_ruleset": ("规则", "Rules"),
    "col_periods": ("统计期", "Periods"),
    "col_units_n": ("乡镇数", "Townships"),
    "col_state": ("状态", "State"),
    "col_indicator_name": ("指标", "Indicator"),
    "col_before": ("修订前", "Before"),
    "col_after": ("修订后", "After"),
    "col_change": ("变化", "Change"),
    "change_added": ("新增", "added"),
    "change_removed": ("删除", "removed"),
    "change_changed": ("改变", "changed"),
    "problems_header": ("数据问题 {count} 条:", "{count} data problems:"),
    "problems_more": (
        "……另有 {count} 条(用 --format json 查看全部)",
        "… {count} more (see --format json)",
    ),
    "level_error": ("错误", "error"),
    "level_warning": ("警告", "warning"),
    "where_row": ("第 {row} 行", "row {row}"),
    "written": ("已写入 {file}", "Wrote {file}"),
    # score
    "no_scoring": (
        "规则集 {name} 没有评分方案(scoring:),无法计分。",
        "Rule set {name} has no scoring scheme (scoring:).",
    ),
    "score_title": ("考核计分与排名 — {ruleset}", "Scores and ranking — {ruleset}"),
    "col_rank": ("名次", "Rank"),
    "col_rank_bottom": ("倒数", "From bottom"),
    "col_total": ("得分", "Points"),
    "col_veto": ("一票否决", "Veto"),
    # Excel ranking sheet (issue 19)
    # the Excel report (report/workbook.py): sheet names, column headers, notes
    "xlsx_sheet_ranking": ("排名", "Ranking"),
    "xlsx_sheet_matrix": ("指标矩阵", "Indicators"),
    "xlsx_sheet_results": ("明细", "Results"),
    "xlsx_sheet_problems": ("数据问题", "Problems"),
    "xlsx_sheet_funnels": ("漏斗图", "Funnel plots"),
    "xlsx_inputs": ("输入", "Inputs"),
    "xlsx_generated": ("生成", "Generated"),
    "xlsx_rank": ("名次", "Rank"),
    "xlsx_rank_from_bottom": ("倒数名次", "Rank from bottom"),
    "xlsx_unit": ("乡镇", "Township"),
    "xlsx_code": ("区划代码", "Code"),
    "xlsx_period": ("统计期", "Period"),
    "xlsx_total": ("得分", "Points"),
    "xlsx_max_total": ("满分", "Full marks"),
    "xlsx_vetoed": ("一票否决", "Vetoed"),
    "xlsx_vetoed_by": ("否决原因", "Vetoed by"),
    "xlsx_award_eligible": ("可评奖", "Award eligible"),
    "xlsx_award_blocked_by": ("不能评奖原因", "Award blocked by"),
    "xlsx_indicator": ("指标", "Indicator"),
    "xlsx_value": ("数值", "Value"),
    "xlsx_numerator": ("分子", "Numerator"),
    "xlsx_denominator": ("分母", "Denominator"),
    "xlsx_bounds": ("标准", "Bounds"),
    "xlsx_status": ("结论", "Status"),
    "xlsx_reason": ("说明", "Reason"),
    "xlsx_previous": ("与上期比", "vs previous"),  # --history
    "xlsx_evidence": ("统计证据", "Evidence"),
    "xlsx_level": ("级别", "Level"),
    "xlsx_file": ("文件", "File"),
    "xlsx_sheet": ("工作表", "Sheet"),
    "xlsx_row": ("行", "Row"),
    "xlsx_column": ("列", "Column"),
    "xlsx_message": ("问题", "Problem"),
    "xlsx_no_problems": ("没有发现数据问题。", "No data problems found."),
    "xlsx_results_cut": (
        "结果共 {total:,} 行,本表只列出前 {shown:,} 行;每个乡镇的全部数值见“指标矩阵”表,"
        "全部明细请用 --format csv 或 json 导出。",
        "{total:,} result rows: this sheet lists the first {shown:,}; every township's values "
        "are on the Indicators sheet, and --format csv or json exports every row.",
    ),
    "col_points_of": ("{name}\n满分{points}", "{name}\n/{points} pts"),
    "award_vetoed": ("一票否决({reasons})", "vetoed ({reasons})"),
    "col_award": ("可评奖", "Award"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "rank_bottom_text": ("倒数第{n}", "{n} from bottom"),
    "veto_unverified": (
        "{group} 未核实(缺数据): {indicators}",
        "{group} unverified (no data): {indicators}",
    ),
    "gate_absent": ("{group} 缺数据: {indicators}", "{group}, no data: {indicators}"),
    "award_veto_unverified": ("一票否决项未核实", "veto items unverified"),
    "score_unverified": (
        "{count} 个乡镇的一票否决项缺数据、未能核实:不算否决,也不能评奖。",
        "{count} townships have veto items that could not be verified (no data): "
        "not vetoed, but not eligible for awards either.",
    ),
    "score_fields_absent": (
        "注意: 所有输入都缺少 {fields} 列,以下指标无法评估(计 0 分;一票否决项记为未核实;不能据此评奖): {indicators}",
        "Note: no input has the columns {fields}; these indicators cannot be evaluated "
        "(0 points; veto items unverified; no award eligibility on missing data): {indicators}",
    ),
    "score_summary": (
        "{units}: 否决 {vetoed} 个,可评奖 {eligible} 个;满分 {max_total:g}",
        "{units}: {vetoed} vetoed, {eligible} eligible for awards; full marks {max_total:g}",
    ),
    # funnel
    "funnel_model": (
        "指标 {indicator} 不是比例或率,不能画漏斗图。",
        "Indicator {indicator} is not a proportion or a rate: no funnel plot.",
    ),
    "funnel_title": ("漏斗图 — {name}(中心线 {target})", "Funnel plot — {name} (centre {target})"),
    "col_value": ("数值", "Value"),
    "col_n": ("样本量", "n"),
    "col_limits95": ("95%控制限", "95% limits"),
    "col_limits998": ("99.8%控制限", "99.8% limits"),
    "col_flag": ("判断", "Flag"),
    "funnel_high": ("高于{level}上限", "above {level}"),
    "funnel_low": ("低于{level}下限", "below {level}"),
    "funnel_no_values": (
        "没有任何乡镇有“{name}”的数值(缺数据或分母为零),画不出漏斗图。",
        "No township has a value of '{name}' (no data, or a zero denominator): no funnel plot.",
    ),
    "funnel_chart_title": ("{name} — 漏斗图", "{name} — funnel plot"),
    "funnel_method_exact": ("精确控制限", "exact limits"),
    "funnel_method_multiplicative": ("乘法过度离散", "multiplicative overdispersion"),
    "funnel_method_additive": ("加法过度离散", "additive overdispersion"),
    # overdispersion φ (issue 16): against the county's own rate; φ ≤ 1 keeps exact limits
    "funnel_phi_rate": (
        "φ = {phi}, 按本县自身水平 {rate} 计算(不按目标值: 本县与标准的整体差距不是乡镇间的离散)",
        "φ = {phi}, measured against the county's own rate {rate} (not the target: the county's"
        " distance from a standard is not spread between townships)",
    ),
    "funnel_phi_exact": (
        "φ ≤ 1: 没有过度离散, 保留精确控制限",
        "φ ≤ 1: no overdispersion, the exact limits are kept",
    ),
    "funnel_failing": ("不达标(圈出)", "fails the standard (ringed)"),
    "funnel_band": ("达标区间", "passing range"),
    "funnel_limits": ("{level}% 控制限", "{level}% limits"),
    "funnel_centre": ("中心线 {target}", "centre {target}"),
    "funnel_xlabel": ("分母(样本量)", "denominator (sample size)"),
    "funnel_key": ("图中编号: {items}", "Numbers in the chart: {items}"),
    "funnel_section": ("漏斗图", "Funnel plots"),
    "funnel_note": (
        "每个点是一个乡镇:横轴为样本量(分母),纵轴为指标值;中心线为全县合计的比率,虚线、实线为 95%、99.8% 控制限(样本越小,偶然波动越大)。线外的点超出偶然波动:黄色在 95% 线外,红色在 99.8% 线外。",
        "Each point is a township: its sample size (the denominator) across, its value up; the centre line is the county's pooled rate, the dashed and solid lines the 95% and 99.8% control limits (the smaller the sample, the larger chance variation). Points outside them are beyond chance: yellow outside 95%, red outside 99.8%.",
    ),
    "funnel_skipped_model": (
        "不画漏斗图(不是比例或率): {names}",
        "No funnel plot (not a proportion or a rate): {names}",
    ),
    "funnel_skipped_few": (
        "不画漏斗图(有数值的乡镇少于 {n} 个): {names}",
        "No funnel plot (fewer than {n} townships with a value): {names}",
    ),
    "funnel_summary": (
        "{units} 个乡镇,{flagged} 个在控制限之外(方法: {method})",
        "{units} townships, {flagged} outside the limits (method: {method})",
    ),
    # audit
    "audit_title": ("数据质量信号 — {ruleset}", "Data-quality signals — {ruleset}"),
    "audit_none": (
        "没有发现超出偶然的信号(α = {alpha})。",
        "No signal beyond chance (α = {alpha}).",
    ),
    "audit_no_periods": (
        "输入没有统计期(月份/年度)列:逐期比较(性别比突变、过于平稳)未做。",
        "The input has no period column (month/year): period-to-period signals were not computed.",
    ),
    "col_signal": ("信号", "Signal"),
    "col_p": ("p 值", "p"),
    "col_explanation": ("说明", "Explanation"),
    "a_all_units": ("全部乡镇", "all townships"),
    "a_jump": (
        "性别比由 {a} 变为 {b},两期差异超出偶然(Fisher 精确检验 p = {p})",
        "sex ratio {a} → {b}: larger than chance (Fisher exact p = {p})",
    ),
    "a_hetero": (
        "{k} 期性别比的波动超出二项随机波动(χ² = {chi2}, 自由度 {df})",
        "sex ratio varies across {k} periods more than chance (χ² = {chi2}, df {df})",
    ),
    "a_smooth": (
        "{k} 期性别比过于平稳:随机波动应更大(χ² = {chi2}, 自由度 {df}, 下尾 p = {p}),数字可能经过修饰",
        "sex ratio over {k} periods is smoother than binomial noise allows (χ² = {chi2}, df {df}, lower tail p = {p}): figures may be invented",
    ),
    "a_impossible": (
        "上报的 {reported} 不可能由 {n} 个出生的整数人数得到",
        "the reported {reported} cannot come from whole numbers out of {n} births",
    ),
    "a_mismatch": (
        "上报的 {reported} 与人数计算值 {computed} 不符",
        "the reported {reported} differs from {computed} computed from the counts",
    ),
    "a_digits": (
        "{n} 个人数的末位数字分布不均匀(χ² = {chi2}, 自由度 9)",
        "last digits of {n} counts are far from uniform (χ² = {chi2}, df 9)",
    ),
    "a_heaping": (
        "{share}% 的人数以 0 或 5 结尾(应约 20%,共 {n} 个)",
        "{share}% of {n} counts end in 0 or 5 (about 20% expected)",
    ),
    "a_bunching": (
        "刚好达标的{rows}({passing} 个)多于按全县比率分布和各自规模应有的约 {expected} 个(刚好不达标 {failing} 个;标准 {bound}, 窗口 ±{window}):{names}",
        "{passing} {rows} just pass, against about {expected} expected from the county's spread at their sizes ({failing} just fail; bound {bound}, window ±{window}): {names}",
    ),
    "a_rows_units": ("乡镇", "townships"),
    "a_rows_months": ("乡镇-月(期)", "township-periods"),
    "a_stat_error": (
        "统计误差率 {value}%(95%区间 {low}–{high}%),标准 ≤ {bound}%",
        "statistical error {value}% (95% interval {low}–{high}%), bound ≤ {bound}%",
    ),
    # audit: padded-figure signals (issue 17)
    "a_repeat": (
        "{k}/{m} 个数字与往期同一数字相同或几乎相同(相差不超过 {tol};偶然约 {e} 个):{first}",
        "{k} of {m} figures equal, or within {tol} of, the same figure in an earlier period (about {e} by chance): {first}",
    ),
    "a_smooth_count": (
        "{field}在 {k} 期中过于平稳:离散指数 {d}(泊松计数应约为 1,下尾 p = {p}),数字可能经过修饰",
        "{field} over {k} periods is smoother than Poisson counts allow: dispersion index {d} (about 1 expected, lower tail p = {p}); figures may be smoothed",
    ),
    "a_smooth_rate": (
        "{name}在 {k} 期中过于平稳(χ² = {chi2}, 自由度 {df}, 下尾 p = {p}):按各期人数应有更大的随机波动",
        "{name} over {k} periods is smoother than binomial noise at its size allows (χ² = {chi2}, df {df}, lower tail p = {p})",
    ),
    "a_smooth_stock": (
        "{name}过于平稳:{m} 对相邻期中,分子的变化几乎只是分母({den})变化的固定比例(F = {f}, 下尾 p = {p}),比率可能是按达标线推算的",
        "{name} is too smooth: over {m} consecutive pairs its numerator moves only in proportion to its denominator ({den}) (F = {f}, lower tail p = {p}); the rate may be computed from the bar",
    ),
    "a_step": (
        "{name}自 {period} 起由 {a} 变为 {b}(似然比 G = {g},已按 {splits} 个分割点校正)",
        "{name} changes from {a} to {b} from {period} on (likelihood ratio G = {g}, corrected for {splits} split points)",
    ),
    "a_frozen": (
        "{name}:相邻两期中有 {k}/{m} 次分母({den})变了而分子({num})没变(偶然约 {e} 次)",
        "{name}: its numerator ({num}) stayed the same while its denominator ({den}) changed in {k} of {m} consecutive pairs (about {e} by chance)",
    ),
    "a_perinatal": (
        "围产儿数 {q} 比活产数 {b} 多 {x}(死胎死产至多约 {e}):分母可能被虚增",
        "perinatal births {q} exceed live births {b} by {x} (stillbirths explain about {e} at most): the denominator may be inflated",
    ),
    "a_pinned": (
        "{name}有 {k}/{m} 期落在达标线旁的窄带 {band} 内(按其各期人数,即使真实比率恰在带中也只应约 {e} 期)",
        "{name} sat in the thin band {band} just past the bar in {k} of {m} periods (about {e} expected at its sizes even if its true rate sat in the band)",
    ),
    "a_norm": (
        "{k} 期性别比都紧贴 {norm}:比二项随机波动允许的更贴近(χ² = {chi2}, 自由度 {k}, 下尾 p = {p}),可能是按比例填写",
        "the sex ratio over {k} periods keeps closer to {norm} than binomial noise allows (χ² = {chi2}, df {k}, lower tail p = {p}): boys may be filled in from the total",
    ),
    "a_heaping_model": (
        "{k}/{m} 个人数以 0 或 5 结尾(按这些人数的大小,偶然约 {e} 个)",
        "{k} of {m} counts end in 0 or 5 (about {e} expected for counts of this size)",
    ),
    "audit_needs_periods": (
        "只有一期数据:{signals} 需要多期才能检验。请提供往期:一个文件加月份或年度列(每行一个乡镇一期),或每期一个带月份/年度列的文件,一起传给 audit(如 fpmetrics audit 2022.xlsx 2023.xlsx 2024.xlsx)。",
        "Only one period: {signals} need several periods. Give earlier periods: one file with a month or year column (one row per township and period), or one file per period, each with that column, all passed to audit (e.g. fpmetrics audit 2022.xlsx 2023.xlsx 2024.xlsx).",
    ),
    "audit_townships": ("按证据强弱排列的乡镇:{list}", "Townships by strength of evidence: {list}"),
    "signal_repeated_figures": ("重复往期数字", "repeated figures"),
    "signal_step_change": ("阶跃变化", "step change"),
    "signal_frozen_numerator": ("分子不随分母变", "numerator frozen"),
    "signal_perinatal_excess": ("围产儿数过多", "perinatal excess"),
    "signal_pinned_at_bar": ("贴线达标", "pinned at bar"),
    "signal_held_at_norm": ("紧贴性别比常值", "held at norm"),
    "signal_too_smooth": ("过于平稳", "too smooth"),
    "signal_sex_ratio_jump": ("性别比突变", "sex-ratio jump"),
    "signal_sex_ratio_heterogeneity": ("性别比波动大", "sex-ratio swings"),
    "signal_impossible_rate": ("不可能的比率", "impossible rate"),
    "signal_reported_rate_mismatch": ("上报比率不符", "rate ≠ counts"),
    "signal_terminal_digits": ("末位数字异常", "last digits"),
    "signal_heaping_0_5": ("逢0/5堆积", "0/5 heaping"),
    "signal_threshold_bunching": ("达标线堆积", "bunching at bound"),
    "signal_totals_mismatch": ("合计不符", "totals"),
    "signal_stat_error": ("统计误差", "stat. error"),
    # --explain
    "explain_table": (
        "{where}: 表头在第 {rows} 行,{units} 个乡镇行,{totals} 个合计行",
        "{where}: header in row {rows}, {units} unit rows, {totals} totals rows",
    ),
    "explain_ignored": ("  未识别(已忽略): {columns}", "  not recognised (ignored): {columns}"),
    "explain_duplicate": (
        "  重复的列(只用第一列): {columns}",
        "  repeated columns (the first is used): {columns}",
    ),
    "explain_none": ("  (无)", "  (none)"),
    # official report forms (issue 15): fields added up from part columns, empty runs
    "explain_summed": ("由 {count} 列相加", "sum of {count} columns"),
    "p_part_empty": (
        "{field}由几列相加: 此格为空而同行其他列有数,按 0 相加",
        "{field} is the sum of several columns: this cell is empty while the others in its "
        "row are filled; counted as 0",
    ),
    "p_repeated_column": (
        "{other} 与 {first} 是同一字段,数值不同({other_value} ≠ {first_value}),相关指标标为无效",
        "{other} and {first} name the same field but differ ({other_value} ≠ {first_value}); the checks they feed are marked invalid",
    ),
    "p_unit_all_empty": (
        "乡镇“{unit}”的各项数据都是空的",
        'township "{unit}": every figure is empty',
    ),
    "nothing_evaluated": (
        "{files}: 没有任何指标能够计算(缺少数据的字段: {fields})",
        "{files}: no indicator could be evaluated (fields without data: {fields})",
    ),
    # fields / rules listing
    "fields_title": ("可识别的字段与表头", "Canonical fields and accepted headers"),
    # a rule set's own fields in `rules show` (issue 22)
    "rules_declared_fields": ("本规则集声明的字段", "Fields this rule set declares"),
    "col_part_of": ("属于", "Part of"),
    "register_columns_title": (
        "登记册(个案记录)可识别的列",
        "Register columns (one row per record)",
    ),
    "col_register": ("登记册", "Register"),
    "col_column": ("列", "Column"),
    "col_needed": ("必需", "Needed"),
    "needed_yes": ("必需", "yes"),
    "needed_one_of": ("至少其一", "one of these"),
    "every_register": ("各类登记册", "Every register"),
    "register_columns_note": (
        "登记册按列自动识别(--kind births|migrants|staff 可强制指定);村(居)汇总到乡镇,"
        "12 位统计用区划代码可代替村(居)列。",
        "Registers are recognised by their columns (force one with --kind "
        "births|migrants|staff); villages roll up to townships, and a 12-digit area code can "
        "stand for the village column.",
    ),
    "col_field": ("字段", "Field"),
    "col_status": ("结果", "Status"),
    "col_meaning": ("含义", "Meaning"),
    "col_headers": ("可接受的表头", "Accepted headers"),
    # between accepted headers; ends with a space so wrapping breaks between headers
    "header_separator": ("、 ", ", "),
    "rules_title": ("内置规则集", "Shipped rule sets"),
    "col_name": ("名称", "Name"),
    "col_title": ("标题", "Title"),
    "col_indicator": ("指标", "Indicator"),
    "col_formula": ("公式", "Formula"),
    "col_bounds": ("标准", "Bounds"),
    "col_severity": ("级别", "Severity"),
    "col_source": ("来源", "Source"),
}


def join(items: Iterable[object], lang: str = "zh") -> str:
    """A list as the language writes it: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    return t("list_separator", lang).join(str(i) for i in items)


def t(key: str, lang: str = "zh", /, **values: object) -> str:
    zh, en = MESSAGES[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


# Messages as values (issue 18): code keeps a message's id and its parameters, and the text
# is made only when it is shown, in the language the reader asked for.


class Message:
    """A message not yet worded: its id in :data:`MESSAGES` (``key``) and ``params``.

    A parameter that is itself a :class:`Message` (or :class:`Joined`, :class:`Words`) is
    rendered in the same language; any other value is formatted as it is. ``at`` (a place such as ``file:line``)
    is written before the text as ``at: text``.
    """

    __slots__ = ("at", "key", "params")

    def __init__(self, key: str, /, *, at: str | None = None, **params: object) -> None:
        if key not in MESSAGES:
            raise KeyError(key)
        self.key = key
        self.params = params
        self.at = at

    def render(self, lang: str = "zh") -> str:
        values = {name: render(value, lang) for name, value in self.params.items()}
        text = t(self.key, lang, **values)
        return text if self.at is None else f"{self.at}: {text}"

    def __repr__(self) -> str:
        at = f", at={self.at!r}" if self.at is not None else ""
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Message({self.key!r}{at}{params})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.key, self.params, self.at) == (other.key, other.params, other.at)

    def __hash__(self) -> int:
        return hash((self.key, self.at, repr(sorted(self.params.items()))))


class Joined:
    """Parts (text, :class:`Message`, :class:`Joined`) rendered and joined with ``sep``; with
    no ``sep``, as the language writes a list (:func:`join`)."""

    __slots__ = ("parts", "sep")

    def __init__(self, parts: Iterable[object], sep: str | None = None) -> None:
        self.parts = tuple(parts)
        self.sep = sep

    def render(self, lang: str = "zh") -> str:
        texts = [render(part, lang) for part in self.parts]
        return join(texts, lang) if self.sep is None else self.sep.join(str(x) for x in texts)

    def __repr__(self) -> str:
        return f"Joined({list(self.parts)!r}, sep={self.sep!r})"


class Words:
    """A name that is data, not a catalogue message (a register kind, an indicator's name):
    its Chinese and its English."""

    __slots__ = ("en", "zh")

    def __init__(self, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en

    @classmethod
    def of(cls, named: object) -> Words:
        """The name of anything with ``label(lang)`` (a field, a rule), in both languages."""
        return cls(named.label("zh"), named.label("en"))  # type: ignore[attr-defined]

    def render(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def __repr__(self) -> str:
        return f"Words({self.zh!r}, {self.en!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and (self.zh, self.en) == (other.zh, other.en)

    def __hash__(self) -> int:
        return hash((self.zh, self.en))


def render(value: object, lang: str = "zh") -> object:
    """``value`` in ``lang``: a :class:`Message`, :class:`Joined` or :class:`Words` worded,
    dicts and lists worded item by item, anything else as it is."""
    if isinstance(value, (Message, Joined, Words)):
        return value.render(lang)
    if isinstance(value, dict):
        return {k: render(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, lang) for v in value]
    return value


# --help in Chinese (issue 19): the command line's help texts are written in English in
# cli.py; with --lang zh (the default) each is shown as its Chinese here. A text missing
# here is shown as written.
HELP_ZH: dict[str, str] = {
    "Check township family-planning spreadsheets against provincial assessment indicators.": "按省级考核指标检查各乡镇计划生育报表。",
    "Print the version.": "显示版本号。",
    "Show this message and exit.": "显示本帮助并退出。",
    "Check every township against the rule set; exit 1 if any check fails.": "按规则集检查每个乡镇;有指标不达标时退出码为 1。",
    "Spreadsheets (.xlsx .xls .ods .csv) or folders of them.": "报表文件(.xlsx .xls .ods .csv)或其所在文件夹。",
    "Shipped rule set name or a YAML file.": "内置规则集名称,或 YAML 规则文件。",
    "table, json, csv, markdown, html or xlsx (default: --output's suffix, else table).": "table、json、csv、markdown、html 或 xlsx(默认按 --output 的后缀,否则为 table)。",
    "Write to this file (atomically) instead of stdout.": "写入此文件(原子写入),而不是输出到屏幕。",
    "Only this sheet of each workbook.": "只读取每个工作簿中的这个工作表。",
    "YAML file of your own headers: aliases: {field: [header]}.": "自定义表头的 YAML 文件: aliases: {字段: [表头]}。",
    "Show which column became which field; names given after it (fpmetrics check births.csv --explain 阿城镇) list the counts behind each of that unit's indicators.": "显示各列被识别为哪个字段;其后给出的名称(fpmetrics check births.csv --explain 阿城镇)列出该单位各指标的计数来源。",
    "Exit 1 on: fail (fail or invalid, default), warn (also warnings), never.": "何时退出码为 1: fail(不达标或无效,默认)、warn(含警告)、never(从不)。",
    "Read registers as births, migrants or staff (default: by columns).": "按出生、流动人口或人员登记表读取(默认按列判断)。",
    "Group register births by year, half, quarter or month of the birth date (the year as the rule file's periods.year_start says: 01-01 or 10-01).": "按出生日期的年、半年、季度或月份汇总登记表中的出生(年度起点见规则文件 periods.year_start: 01-01 或 10-01)。",
    "The townships' names (a file, one per line, or names separated by commas); register records of any other township are not counted.": "乡镇名单(文件,每行一个;或用逗号分隔的名称);其他乡镇的登记记录不计入。",
    "Report per village, township (default) or county.": "按村、乡镇(默认)或县汇总。",
    "Write the register rows behind each failing check (CSV).": "写出每项不达标指标所依据的登记记录(CSV)。",
    "Write the register rows behind each failing check (CSV). This exports personal data (individual records); id numbers are masked unless --full-ids is given.": "写出每项不达标指标所依据的登记记录(CSV)。这会导出个人数据(个案记录);除非给出 --full-ids,证件号码会被遮盖。",
    "With --records: write id numbers (身份证号) in full. Personal data: keep the file as the rules for personal data require.": "与 --records 同用: 写出完整的证件号码(身份证号)。属于个人数据: 请按个人信息保护的规定保管该文件。",
    "Keep this run's per-township results in this SQLite file and show the change from the previous period (see `fpmetrics history`).": "把本次各乡镇结果保存到此 SQLite 文件,并显示与上一期相比的变化(见 `fpmetrics history`)。",
    "Language of tables and messages.": "表格和提示的语言。",
    "The county (or area) the reports name in their title (default: found in the inputs).": "报告标题中的县(或地区)名称(默认从输入中识别)。",
    "Score and rank every township: points, one-vote vetoes, award eligibility.": "为每个乡镇计分排名: 得分、一票否决、评奖资格。",
    "Funnel plot of one indicator: which townships are outside chance (95%, 99.8%).": "某一指标的漏斗图: 哪些乡镇超出随机波动范围(95%、99.8%)。",
    "Indicator id, e.g. sex_ratio_at_birth.": "指标代码,如 sex_ratio_at_birth。",
    "Centre line: overall (pooled rate), bound, or a value.": "中心线: overall(全县合并率)、bound(标准值)或一个数值。",
    "none (exact limits), multiplicative or additive.": "none(精确控制限)、multiplicative(乘法)或 additive(加法)。",
    "table (default) or json.": "table(默认)或 json。",
    "Write the chart: .png or .svg.": "写出图表: .png 或 .svg。",
    "Data-quality signals, ranked: changes beyond chance, too-smooth series, impossible rates.": "数据质量信号(按可疑程度排序): 超出随机的变化、过于平滑的序列、不可能的比率。",
    "table, json or csv (default: --output's suffix, else table).": "table、json 或 csv(默认按 --output 的后缀,否则为 table)。",
    "Also read the earlier periods kept in this history file (check --history).": "同时读取此历史文件中保存的以前各期(check --history)。",
    "The runs kept in a history file; one township's series; the changes between two runs.": "历史文件中保存的各次运行;某乡镇的历次结果;两次运行之间的变化。",
    "A history file (--history).": "历史文件(--history)。",
    "One township's results over the runs.": "某一乡镇历次运行的结果。",
    "What changed from run A to run B.": "从第 A 次到第 B 次运行的变化。",
    "Write the fill-in workbook for townships: the columns the rule set needs.": "写出供乡镇填报的工作簿: 含规则集所需的各列。",
    "The .xlsx file to write.": "要写出的 .xlsx 文件。",
    "Township names to pre-fill, separated by commas or 、.": "预先填入的乡镇名称,用逗号或 、 分隔。",
    "Blank rows.": "空白行数。",
    "Overwrite OUTPUT if it exists.": "OUTPUT 已存在时覆盖。",
    "List the canonical fields and the headers each accepts, then the register columns.": "列出标准字段及各自可接受的表头,以及登记表的列。",
    "List, show and validate rule sets.": "列出、查看和校验规则集。",
    "The shipped rule sets.": "内置规则集。",
    "Every indicator of a rule set: formula, bounds, severity, source.": "规则集的每个指标: 公式、标准、级别、来源。",
    "Check a rule file; exit 2 with the file and line of each mistake.": "校验规则文件;有错误时给出文件和行号,退出码为 2。",
    "A rule file to check.": "要校验的规则文件。",
    # headings and notes of the help page
    "Usage: ": "用法: ",
    "Arguments": "参数",
    "Options": "选项",
    # register engines (issue 20) and declared fields (issue 22)
    "embedded (Polars, default) or spark for Parquet/Hive.": "embedded(Polars,默认)或 spark(用于 Parquet/Hive)。",
    "Spreadsheets (.xlsx .xls .ods .csv), Parquet files or folders, folders of spreadsheets, or a database URL (postgresql://user@host/db, mysql://…) with --table or --query.": "报表文件(.xlsx .xls .ods .csv)、Parquet 文件或文件夹、报表所在文件夹,或数据库地址(postgresql://用户@主机/库、mysql://…),配合 --table 或 --query。",
    "A SELECT giving the register's rows.": "给出登记表各行的 SELECT 查询。",
    "Spark Connect URL (sc://host:15002) or master URL; default local[*].": "Spark Connect 地址(sc://主机:15002)或 master 地址;默认 local[*]。",
    "The register's table in the database (or Hive, with Spark).": "登记表在数据库中的表名(用 Spark 时为 Hive 表)。",
    "Also the fields this rule set (name or YAML file) declares.": "同时列出此规则集(名称或 YAML 文件)声明的字段。",
    "Commands": "命令",
    "required": "必填",
    "default: {default}": "默认: {default}",
    "env var: {var}": "环境变量: {var}",
}
