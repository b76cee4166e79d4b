"""Formula and definition problems, and the runtime's and accounts' coded refusals, are
said in the reader's language on pages; English readers and the API's clients get the
English the checks wrote."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from orderloom import dsl
from orderloom.designer.validation import validate_order_type
from orderloom.platform.accounts import AccountError, check_password_strength
from orderloom.platform.problem_words import PROBLEM_WORDS, problem_text
from orderloom.platform.refusals import REFUSAL_WORDS, refusal_text
from orderloom.runtime.errors import StaleOrder
from orderloom.runtime.stock.keeping import OutOfStock
from tests.designer.samples import retail

SCHEMA = {"total": "money", "note": "text"}


def said(source: str, language: str, app) -> list[str]:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return [problem_text(p.code and f"formula.{p.code}", p.message, p.values)
                for p in dsl.check(source, dsl.schema(SCHEMA))]


@pytest.mark.parametrize("source, chinese", [
    ("totl > 5", "未知字段 'totl'；您是不是要写 'total'？"),
    ("SUMM(1) > 0", "未知函数 SUMM；您是不是要写 SUM？"),
    ("IF(total > 1, TRUE", "公式提前结束；此处应为')'或','"),
    ("total + ", "公式提前结束；此处应为一个值（数字、带引号的文本、字段或函数）"),
    ('note + 1 > 0', "不能把文本和整数相加；文本请用 & 连接"),
    ("total = NULL", "与 NULL 比较的结果总是 FALSE；请改用 ISBLANK(total)"),
    ("1 < 2 < 3", "意外的 '<'；比较不能连写，请用 AND 连接"),
    ("total，1", "意外的字符 '，'（这是全角符号；请切换到英文输入法输入）"),
    ("total = note", "不能比较金额和文本"),
    ("DAYS(total) > 0", "DAYS 需要 2 个参数，实际有 1 个"),
    ("IF(total > 1, 2, 3, 4) > 0", "IF 需要 2 到 3 个参数，实际有 4 个"),
    ("ROUND(note, 2) > 0", "ROUND 的第 1 个参数应为数字，实际是文本"),
    ('IF(total > 1, 2, "x") > 0',
     "IF 在一种情况下得到整数，在另一种情况下得到文本；所有结果的类型必须相同"),
    ("-note = 1", "不能对文本取负"),
    ("total IN 5", "IN 的右边必须是列表，实际是整数"),
    ("note.city = 1", "note 是文本，不是记录"),
    ("(total > 1) < TRUE", "不能用 < 比较真或假和真或假的大小"),
])
def test_formula_problems_are_said_in_chinese_at_their_place(app, source, chinese):
    (english,) = dsl.check(source, dsl.schema(SCHEMA))
    assert english.code, english
    assert said(source, "zh-CN", app) == [chinese]
    # The place is the language's: the page shows it beside the words.
    assert (english.line, english.column) >= (1, 1)


def test_an_english_reader_gets_the_message_as_the_language_wrote_it(app):
    (problem,) = dsl.check("totl > 5", dsl.schema(SCHEMA))
    assert said("totl > 5", "en", app) == [problem.message]
    assert problem.message == "unknown field 'totl'; did you mean 'total'?"


def test_every_coded_word_keeps_its_placeholders_in_chinese(app):
    """A translation that lost a placeholder would fall back to English unnoticed."""
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        for words in {**PROBLEM_WORDS, **REFUSAL_WORDS}.values():
            english = set(re.findall(r"%\(\w+\)s", words._args[0]))
            assert set(re.findall(r"%\(\w+\)s", str(words))) == english, words._args[0]


def test_designer_problems_carry_codes_for_their_words(app):
    definition = retail()
    definition["rules"][0]["when"] = 'priorty = "rush"'
    definition["workflow"]["transitions"][0]["to"] = "shiped"
    problems = {p.pointer: p for p in validate_order_type(definition)}
    formula = problems["/rules/0/when"]
    assert formula.code == "formula.unknown_field" and formula.line == 1
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert problem_text(formula.code, formula.message, formula.values) == \
            "未知字段 'priorty'；您是不是要写 'priority'？"
        state = problems["/workflow/transitions/0/to"]
        assert problem_text(state.code, state.message, state.values).startswith(
            "没有状态 'shiped'")


def test_stock_and_password_refusals_in_chinese(app):
    short = OutOfStock("TEA-01", "HZ", 5, 2)
    with pytest.raises(AccountError) as weak:
        check_password_strength("short", "chen.jing")
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert refusal_text(short) == "HZ 仓的 TEA-01 只有 2 件可用，需要 5 件"
        assert refusal_text(weak.value) == "长度至少为 10 个字符"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert refusal_text(short) == short.message
        assert refusal_text(weak.value) == "must be at least 10 characters long"


def test_a_guessable_password_is_said_with_the_estimators_reason_in_english(app):
    with pytest.raises(AccountError) as weak:
        check_password_strength("password1234", "chen.jing")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert refusal_text(weak.value) == weak.value.message
        assert "(" in weak.value.message
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert refusal_text(weak.value) == "太容易被猜到；请再加一两个词，或选一个更长的密码"


def test_the_finance_pages_refusals_in_chinese(app):
    from orderloom.runtime.payments.received import PaymentError, amount_of

    refusals = []
    for value in ("abc", "20000000000000", None):
        with pytest.raises(PaymentError) as refused:
            amount_of(value, "CNY", "/amount")
        refusals.append(refused.value)
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert [refusal_text(r) for r in refusals] == [
            "'abc' 不是金额；请写成“120.50”这样", "超出 Orderloom 能保存的范围",
            "必须是“120.50”这样的金额"]
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert [refusal_text(r) for r in refusals] == [r.message for r in refusals]


def test_a_filter_a_page_cannot_read_is_said_in_chinese(app):
    from orderloom.platform.query_args import ParameterError, day

    with pytest.raises(ParameterError) as refused:
        day({"created_from": "12/07/2026"}, "created_from")
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert refused.value.page_message == \
            "创建日期自：“12/07/2026”不是日期；请使用 2026-11-25 这样的格式。"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert refused.value.page_message == \
            "Created from: “12/07/2026” is not a date; use the form 2026-11-25."


def test_a_field_whose_bounds_cross_is_said_in_chinese(app):
    definition = retail()
    items = next(f for f in definition["form"]["fields"] if f["key"] == "items")
    qty = next(c for c in items["fields"] if c["key"] == "qty")
    qty["min"], qty["max"] = 10, 5
    (problem,) = [p for p in validate_order_type(definition) if p.pointer.endswith("/min")]
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert problem_text(problem.code, problem.message, problem.values) == \
            "最小值（10）大于最大值（5）"


def test_an_english_reader_keeps_the_whole_refusal_not_its_shortened_words(app):
    """An order changed by someone else once told an English reader of a page only
    "order X was changed by someone else; it is now at revision 3", dropping the state
    it is in and "Reload it and try again.": the coded words were said to every reader."""
    stale = StaleOrder("SO-1", 3, "review")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert refusal_text(stale) == stale.message
        assert refusal_text(stale).endswith("in state 'review'. Reload it and try again.")
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert refusal_text(stale) != stale.message


def test_one_place_decides_whether_the_reader_reads_english(app):
    """Four helpers once each decided it their own way (a prefix, a split, "not zh")."""
    from orderloom.platform.i18n import reading, reads_english
    for header, english in (("en-GB", True), ("zh-CN,zh;q=0.9", False), ("fr", True)):
        with app.test_request_context("/", headers={"Accept-Language": header}):
            assert reads_english() is english
            assert reading() == ("en" if english else "zh")


def test_a_formula_of_the_wrong_result_type_is_said_in_chinese(app):
    """A condition that is no condition, and a formula whose result the field cannot
    hold, were once said in English to a Chinese designer."""
    schema = dsl.schema(SCHEMA)
    (condition,) = dsl.check("total + 1", schema, expected="boolean")
    (money,) = dsl.check('"x"', schema, expected="money")
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert problem_text(f"formula.{condition.code}", condition.message,
                            condition.values) == "条件的结果必须是真或假，但这里是金额"
        assert problem_text(f"formula.{money.code}", money.message, money.values) == \
            "公式得到的是文本，但该字段需要金额"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert problem_text(f"formula.{money.code}", money.message, money.values) == \
            "the formula gives text but the field needs money"


def test_an_approver_who_is_no_user_is_told_to_add_the_person_in_chinese(app):
    """A Chinese designer naming an approver who is no user once got only "没有用户
    'nobody'", without the English's advice to add the person under Users first."""
    values = {"name": "'nobody'", "suggestion": None, "advice": "add_user"}
    message = "there is no user 'nobody'; add the person under Users first"
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert problem_text("definition.no_user", message, values) == \
            "没有用户 'nobody'；请先在“用户”中添加此人"


# --- every problem the designer and the package checks can raise has Chinese words ---------

ORDERLOOM = Path(__file__).resolve().parents[2] / "orderloom"
PLACEHOLDERS = re.compile(r"%\(\w+\)s")
CODE = re.compile(r"^(definition|value|schema)\.[A-Za-z_]*[A-Za-z]$")


def _calls(folder: str):
    for path in sorted((ORDERLOOM / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                yield f"{path.relative_to(ORDERLOOM)}:{node.lineno}", name, node


def _code_of(node: ast.Call, position: int) -> ast.expr | None:
    given = next((k.value for k in node.keywords if k.arg == "code"), None)
    if given is None and len(node.args) > position:
        given = node.args[position]
    return given


def _raised_codes() -> tuple[dict[str, str], list[str]]:
    """Each problem code the designer, the package import and the formula language's
    checks can give (code -> where), and each raising site that gives none."""
    found: dict[str, str] = {}
    uncoded: list[str] = []
    # (folder, call, position of the code, prefix a written code is read with)
    sites = [("designer", "report", 2, ""), ("designer", "DefinitionProblem", 99, ""),
             ("designer", "OutOfBounds", 1, "value."), ("dsl", "problem", 3, "formula."),
             ("dsl", "ArgProblem", 2, "formula."), ("dsl", "FormulaProblem", 4, "formula.")]
    for folder, call, position, prefix in sites:
        for where, name, node in _calls(folder):
            if name != call or where.startswith(("designer/problems.py", "dsl/errors.py")):
                continue  # problems.py passes on a formula's code; errors.py a running one's
            if call == "report" and any(isinstance(k.arg, type(None)) for k in node.keywords) \
                    and len(node.args) > position:
                code = node.args[position]
                if isinstance(code, ast.Name):
                    continue  # the code comes with the message (a look-up table's cell)
            code = _code_of(node, position)
            if call == "OutOfBounds" and code is None:
                code = ast.Constant("not_a_number")  # its default
            if code is None or (isinstance(code, ast.Constant) and code.value is None):
                uncoded.append(where)
            elif isinstance(code, ast.Constant):
                found[prefix + code.value] = where
    for where, name, node in _calls("designer"):
        if name == "missing" and isinstance(node.args[1], ast.Constant):
            found["definition.no_" + node.args[1].value.replace(" ", "_")] = where
    # Codes written anywhere else (a table of codes, a code passed along).
    for path in sorted((ORDERLOOM / "designer").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and CODE.match(node.value):
                found.setdefault(node.value, str(path.relative_to(ORDERLOOM)))
            # schemas.py: "schema.<the check's name>" for each check it names.
            if isinstance(node, ast.Compare) and ast.unparse(node.left) == "error.validator":
                for constant in ast.walk(node.comparators[0]):
                    if isinstance(constant, ast.Constant):
                        found.setdefault(f"schema.{constant.value}", path.name)
    return found, uncoded


def test_every_problem_the_designer_can_raise_is_coded_and_worded_in_chinese(app):
    """A rarer problem (two start states, a look-up table named like a field) once
    reached a Chinese designer in English: it had no code, or its code no words."""
    found, uncoded = _raised_codes()
    assert not uncoded, f"problems raised without a code: {uncoded}"
    assert len(found) > 100  # the walk reached the checks, not an empty folder
    unworded = {code: where for code, where in found.items() if code not in PROBLEM_WORDS}
    assert not unworded, f"codes without words in problem_words.py: {unworded}"
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        for code in found:
            english = PROBLEM_WORDS[code]._args[0]
            chinese = str(PROBLEM_WORDS[code])
            assert set(PLACEHOLDERS.findall(chinese)) == set(PLACEHOLDERS.findall(english))
            if re.search(r"[A-Za-z]{3,}", PLACEHOLDERS.sub("", english)):
                assert re.search(r"[\u4e00-\u9fff]", chinese), (code, chinese)


def _rarer_problems() -> dict[str, object]:
    definition = retail()
    states = definition["workflow"]["states"]
    states[1]["kind"] = "start"
    definition["lookup_tables"] = [{"key": "priority", "label": {"en": "Priority"}, "columns": [
        {"key": "name", "type": "text", "label": {"en": "Name"}},
        {"key": "rate", "type": "number", "label": {"en": "Rate"}}],
        "rows": [{"name": "a", "rate": "lots"}]}]
    definition["workflow"].setdefault("automatic", []).append(
        {"key": "both", "from": states[0]["key"], "to": states[2]["key"],
         "when": "TRUE", "after_hours": 2})
    last = len(definition["workflow"]["automatic"]) - 1
    return {p.pointer.replace(f"/automatic/{last}", "/automatic/new"): p
            for p in validate_order_type(definition)}


def test_rarer_designer_problems_are_said_in_chinese(app):
    problems = _rarer_problems()
    picked = [problems["/workflow/states"], problems["/lookup_tables/0/key"],
              problems["/lookup_tables/0/rows/0/rate"], problems["/workflow/automatic/new"]]
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        said_zh = [problem_text(p.code, p.message, p.values) for p in picked]
    assert said_zh[0].startswith("必须正好有一个开始状态；现有 2 个"), said_zh[0]
    assert said_zh[1] == "查找表标识 'priority' 已是某个字段的名称；公式将无法区分它们"
    assert said_zh[2] == "必须是数字"
    assert said_zh[3] == "自动流转需要条件和定时器二者之一，且只能有一个"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert [problem_text(p.code, p.message, p.values) for p in picked] == \
            [p.message for p in picked]


def test_every_refusal_of_accounts_and_stock_is_coded_and_worded(app):
    """Deleting a built-in role, granting a permission one lacks and a stock file
    without the sku column were once refused in English on Chinese pages."""
    refusals = ("AccountError", "StockError", "StockFileError")
    found, uncoded = {}, []
    for path in [ORDERLOOM / "platform" / "accounts.py",
                 *sorted((ORDERLOOM / "runtime" / "stock").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            name = getattr(node.exc.func, "id", "")
            where = f"{path.name}:{node.lineno}"
            if name not in refusals or ast.unparse(node.exc) == \
                    "StockFileError(error.message, 415, code=error.code, **error.values)":
                continue  # the spreadsheet reader's own code (tests/pages/test_faults_in_chinese)
            code = _code_of(node.exc, 99)
            if isinstance(code, ast.Constant):
                found[code.value] = where
            elif isinstance(code, ast.Name):
                continue  # a code passed on (the password policy's, tested above)
            elif isinstance(code, ast.JoinedStr):  # one code per verb: change, delete
                for verb in ("change", "delete"):
                    found[ast.unparse(code)[2:-1].replace("{verb}", verb)] = where
            else:
                uncoded.append(where)
    assert not uncoded, f"refusals without a code: {uncoded}"
    assert len(found) > 15
    unworded = {code: where for code, where in found.items() if code not in REFUSAL_WORDS}
    assert not unworded, f"codes without words in refusals.py: {unworded}"


def test_a_built_in_role_and_a_stock_file_without_columns_are_refused_in_chinese(app, db):
    from orderloom.platform.accounts import delete_role, find_role
    from orderloom.runtime.audit import Actor
    from orderloom.runtime.stock.files import StockFileError, parse

    with pytest.raises(AccountError) as kept:
        delete_role(db, Actor(None, "orderloom", "cli"), find_role(db, "staff"))
    with pytest.raises(StockFileError) as columns:
        parse([["sku", "qty"], ["TEA-01", "2"]], "receive")
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert refusal_text(kept.value) == "'staff' 是内置角色，不能删除"
        assert refusal_text(columns.value) == (
            "第一行必须列出 sku、warehouse、quantity 这几列（reference 可选）；缺少：warehouse, "
            "quantity")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert refusal_text(kept.value) == kept.value.message
