# ruff: noqa: E501  (a table of phrases reads better one pair a line)
"""The designer's words in English and Chinese. The pages and the JS modules read
them by key (the editor gets its language's dict in the page), so adding a language
is adding a dict here."""
from __future__ import annotations

LANGUAGES = ("en", "zh")

FIELD_TYPES = {
    "text": ("Text", "文本"), "long_text": ("Long text", "多行文本"), "number": ("Number", "数字"),
    "integer": ("Whole number", "整数"), "money": ("Money", "金额"), "boolean": ("Yes/No", "是/否"),
    "date": ("Date", "日期"), "datetime": ("Date and time", "日期时间"),
    "choice": ("Choice", "单选"), "multi_choice": ("Multiple choice", "多选"),
    "email": ("Email", "邮箱"), "phone": ("Phone", "电话"), "address": ("Address", "地址"),
    "customer": ("Customer", "客户"), "product": ("Product", "商品"),
    "attachment": ("Attachment", "附件"), "line_items": ("Line items", "明细行"),
    "computed": ("Computed", "计算字段"),
}

# What a state means for the business (orderloom/designer/state_categories.py): the
# name in the list, then the sentence shown when pointing at it.
STATE_CATEGORIES = {
    "open": (("Open", "处理中"),
             ("Being worked on, not shipped yet. Counts as a sale.",
              "处理中，尚未发货。计入销售。")),
    "shipped": (("Shipped", "已发货"),
                ("The goods have left, the order is not finished. Counts as a sale.",
                 "货物已发出，订单尚未完成。计入销售。")),
    "fulfilled": (("Fulfilled", "已履约"),
                  ("The customer has what they ordered. Counts as a sale.",
                   "客户已收到所订货物。计入销售。")),
    "cancelled": (("Cancelled", "已取消"),
                  ("Ended without a sale: not counted in sales, customer value or what is owed.",
                   "未成交即结束：不计入销售、客户价值和应收。")),
    "returned": (("Returned", "已退货退款"),
                 ("The goods or the money came back: no longer counted as a sale.",
                  "货物或货款已退回：不再计入销售。")),
}

# What a field holds (orderloom/designer/form.py ORDER_MEANINGS, LINE_MEANINGS), in the
# words of the one choosing it. Store channels fill the field of each meaning.
MEANINGS = {
    "order_number": ("The store's order number", "店铺的订单号"),
    "ship_to": ("Ship-to address", "收货地址"),
    "recipient_name": ("Recipient's name", "收货人姓名"),
    "recipient_phone": ("Recipient's phone", "收货人电话"),
    "shipping_fee": ("Shipping fee", "运费"),
    "discount": ("Discount", "优惠金额"),
    "tax": ("Tax", "税费"),
    "note": ("Buyer's note", "买家留言"),
    "quantity": ("Quantity", "数量"),
    "unit_price": ("Unit price", "单价"),
    "release_on": ("Pre-sale release date of the line", "该行预售发货日期"),
}

PAIRS: dict[str, tuple[str, str]] = {
    # list page
    "designer": ("Designer", "设计器"),
    "order_types": ("Order types", "订单类型"),
    "list_intro": ("Each order type is a form, a workflow, rules and routing. Open one to "
                   "design it; staff use the latest published version.",
                   "每个订单类型包含表单、流程、规则和分仓。打开即可设计；员工使用最新发布的版本。"),
    "name": ("Name", "名称"), "key": ("Key", "标识"), "version": ("Version", "版本"),
    "draft_state": ("Draft", "草稿"), "actions": ("Actions", "操作"),
    "never_published": ("Not published yet", "尚未发布"),
    "unpublished_changes": ("Unpublished changes", "有未发布的修改"),
    "published_as_is": ("Same as published", "与发布版本一致"),
    "open": ("Open", "打开"), "export": ("Export", "导出"),
    "export_draft": ("Export draft", "导出草稿"), "duplicate": ("Duplicate", "复制"),
    "new_key": ("Key of the copy", "副本标识"),
    "no_order_types": ("No order types yet: create one below or import a package.",
                       "还没有订单类型：在下方新建，或导入模板包。"),
    "create_order_type": ("New order type", "新建订单类型"), "create": ("Create", "创建"),
    "key_hint": ("Lower-case letters, digits and _, starting with a letter. Formulas use it, "
                 "so keep it short.", "小写字母、数字和下划线，以字母开头。公式会用到它，请保持简短。"),
    "field_key_taken": ("Another field already has the key {key}; choose another one. The key is kept as it was.",
                        "另一个字段已使用标识 {key}；请换一个。标识保持不变。"),
    "import_export": ("Import and export", "导入与导出"),
    "export_all": ("Export every order type as one file", "将全部订单类型导出为一个文件"),
    "import_file": ("Package file", "模板包文件"), "import": ("Import and publish", "导入并发布"),
    "import_hint": ("An order type whose key exists already is imported under a new key.",
                    "标识已存在的订单类型会以新标识导入。"),
    "key_rule": ("The key must be lower-case letters, digits and _, starting with a letter.",
                 "标识只能包含小写字母、数字和下划线，并以字母开头。"),
    "key_taken": ("There is already an order type “{key}”; choose another key.",
                  "已存在订单类型“{key}”，请换一个标识。"),
    "created": ("Order type “{key}” created. Design its form, then publish it.",
                "已创建订单类型“{key}”。设计表单后即可发布。"),
    "duplicated": ("“{key}” copied as “{new_key}”.", "已将“{key}”复制为“{new_key}”。"),
    "no_such_type": ("There is no order type “{key}”.", "不存在订单类型“{key}”。"),
    "import_no_file": ("Choose a package file to import.", "请选择要导入的模板包文件。"),
    "import_not_json": ("That file is not a package: it must be a JSON file exported from "
                        "Orderloom.", "该文件不是模板包：必须是从 Orderloom 导出的 JSON 文件。"),
    "import_failed": ("Nothing was imported: {detail}", "未导入任何内容：{detail}"),
    "imported": ("Imported and published: {names}.", "已导入并发布：{names}。"),
    # editor frame
    "undo": ("Undo", "撤销"), "redo": ("Redo", "重做"), "save": ("Save draft", "保存草稿"),
    "saved": ("All changes saved", "已全部保存"), "unsaved": ("Unsaved changes", "有未保存的修改"),
    "saved_note": ("Draft saved.", "草稿已保存。"),
    "save_failed": ("The draft was not saved", "草稿未保存"),
    "problems_n": ("Problems: {n}", "问题：{n}"), "no_problems": ("No problems", "没有问题"),
    "all_problems": ("All problems of the draft", "草稿的全部问题"),
    "leave_warning": ("You have unsaved changes.", "有未保存的修改。"),
    "leftover": ("Changes you did not save are still here, from", "有未保存的修改，时间："),
    "restore": ("Restore them", "恢复"), "discard": ("Discard", "丢弃"),
    "tab_form": ("Form", "表单"), "tab_workflow": ("Workflow", "流程"), "tab_rules": ("Rules", "规则"),
    "tab_routing": ("Routing", "分仓"), "tab_tables": ("Look-up tables", "查找表"),
    "tab_print": ("Print templates", "打印模板"),
    "tab_simulate": ("Simulation", "模拟"), "tab_publish": ("Publish", "发布"),
    "design": ("Design", "设计"), "preview": ("Preview", "预览"), "canvas": ("Form canvas", "表单画布"),
    # form builder
    "palette": ("Field types", "字段类型"),
    "palette_hint": ("Drag a type onto a section, or click it to add it after the selected "
                     "field.", "把类型拖到分组中，或点击将其添加到所选字段之后。"),
    "add_field_hint": ("Add this field", "添加此字段"),
    "field_added": ("Added “{name}”.", "已添加“{name}”。"),
    "drop_here": ("Drag fields here", "把字段拖到这里"), "add_section": ("Add a section", "添加分组"),
    "section_title": ("Section title", "分组标题"), "columns": ("Columns", "列数"),
    "columns_n": ("{n} columns", "{n} 列"), "section_up": ("Move the section up", "分组上移"),
    "section_down": ("Move the section down", "分组下移"),
    "remove_section": ("Remove the empty section", "删除空分组"),
    "section_default_en": ("Order", "Order"), "section_default_zh": ("订单", "订单"),
    "section_new_en": ("New section", "New section"), "section_new_zh": ("新分组", "新分组"),
    "move_up": ("Move up", "上移"), "move_down": ("Move down", "下移"), "remove": ("Remove", "删除"),
    "moved": ("Moved.", "已移动。"), "removed_undo": ("Removed. Undo brings it back.", "已删除，可撤销恢复。"),
    "line_columns": ("Columns of each line", "每行的列"), "add_column": ("Add a column…", "添加列…"),
    "properties": ("Properties", "属性"),
    "select_a_field": ("Select a field on the canvas to change it.", "在画布上选择一个字段进行修改。"),
    "label": ("Label", "标签"), "lang_en": ("English", "英文"), "lang_zh": ("Chinese", "中文"),
    "required": ("Required", "必填"), "default": ("Default value", "默认值"), "help": ("Help text", "帮助说明"),
    "min": ("Minimum", "最小值"), "max": ("Maximum", "最大值"),
    "validation": ("Validation", "校验"), "validation_formula": ("Must be true", "需满足的条件"),
    "validation_message": ("Message when not", "不满足时的提示"),
    "visible_when": ("Shown when", "显示条件"), "readonly_when": ("Read-only when", "只读条件"),
    "access": ("Who may see and change it", "查看与修改权限"),
    "who_may_see": ("May see it (nobody ticked: everyone)", "可查看的角色（不勾选则所有人）"),
    "who_may_change": ("May change it (nobody ticked: everyone who sees it)",
                       "可修改的角色（不勾选则所有可查看者）"),
    "access_hint": ("A role that may not see the field finds it nowhere: not in the API, "
                    "pages, search, exports, print documents or the webhooks it set up. "
                    "Formulas and rules still use it.",
                    "无权查看的角色在任何地方都看不到此字段：API、页面、搜索、导出、打印单据及其"
                    "设置的 Webhook 都不包含它。公式和规则仍会使用它。"),
    "formula": ("Formula", "公式"), "result_type": ("Result type", "结果类型"),
    "options": ("Options", "选项"), "option_value": ("Value", "值"), "option_label": ("Label", "标签"),
    "add_option": ("Add an option", "添加选项"),
    "meaning": ("What this field holds", "这个字段是什么"),
    "meaning_none": ("Nothing in particular", "无特别含义"),
    "meaning_hint": ("A store channel connected to this order type fills the field with "
                     "what the store's order carries, whatever the field is called. One "
                     "field per meaning.",
                     "连接到此订单类型的店铺渠道会把店铺订单中的对应内容填入这个字段，"
                     "不论字段叫什么名字。每种含义只能用于一个字段。"),
    "use_suggestion": ("Use “{name}”", "改为“{name}”"),
    "preview_hint": ("The form as staff will see it. Computed fields are recalculated as "
                     "you type.", "员工看到的表单。输入时计算字段会重新计算。"),
    "preview_address": ("Province", "省份"), "preview_customer": ("Customer name", "客户名称"),
    "preview_blocked": ("Fix the draft's problems to see the results.", "请先修正草稿的问题再查看结果。"),
    "add_line": ("Add a line", "添加一行"),
    # workflow
    "states": ("States", "状态"), "transitions": ("Transitions", "流转"),
    "approvals": ("Approvals", "审批"), "automatic": ("Automatic moves and timers", "自动流转与定时"),
    "add_state": ("Add a state", "添加状态"), "add_transition": ("Add a transition", "添加流转"),
    "add_approval": ("Add an approval", "添加审批"), "add_automatic": ("Add an automatic move", "添加自动流转"),
    "state_kind": ("Kind", "类型"), "kind_start": ("Start", "开始"), "kind_normal": ("Normal", "普通"),
    "kind_terminal": ("End", "结束"), "sla_hours": ("SLA (hours)", "时限（小时）"),
    "time_counts": ("Counted in", "计时方式"), "counts_all_hours": ("Hours", "自然小时"),
    "counts_business_hours": ("Business hours", "工作小时"),
    "counts_business_days": ("Business days (the number is days)", "工作日（数值为天数）"),
    # A timer counted in business days waits that many days: its box and the diagram say so.
    "sla_days": ("SLA (business days)", "时限（工作日）"),
    "remind_after_days": ("Remind after (business days)", "提醒（工作日后）"),
    "escalate_after_days": ("Escalate after (business days)", "升级（工作日后）"),
    "after_days": ("After (business days)", "经过（工作日）"),
    "unit_all_hours": ("h", "小时"), "unit_business_hours": ("business h", "工作小时"),
    "unit_business_days": ("business days", "个工作日"),
    "state_category": ("Means for the business", "业务含义"),
    "from_states": ("From", "从"), "from_state": ("From", "从"), "to_state": ("To", "到"),
    "who_may": ("Who may take it (nobody ticked: anyone)", "可执行角色（不勾选则所有人）"),
    "condition": ("Only when", "执行条件"), "required_fields": ("Fields that must be filled in", "必须填写的字段"),
    "waits_in": ("Order waits in", "等待状态"), "approver_roles": ("Approver roles", "审批角色"),
    "money": ("Money", "收退款"),
    "money_hint": ("Roles that may record money by hand in any state. Besides them, a role may "
                   "refund where a transition it may take refunds, and whoever holds "
                   "orders.override always may. Publishing this needs the payments.manage "
                   "permission.",
                   "可在任何状态下手工记录收款或退款的角色。此外，角色可在其可执行且含退款动作的流转所在状态退款，"
                   "拥有 orders.override 权限的人始终可以。发布此设置需要 payments.manage 权限。"),
    "money_payment": ("Who may record a payment", "可记录收款的角色"),
    "money_refund": ("Who may issue a refund", "可退款的角色"),
    "access_type": ("Who may see and work on these orders", "谁可以查看和处理此类订单"),
    "access_type_hint": ("For each kind, tick roles and list people by username; with neither, "
                         "everyone whose permissions allow it may. Entering, changing and "
                         "acting also need seeing, and transitions keep their own roles.",
                         "每一项可勾选角色并按用户名列出人员；都不填则由权限决定。新建、修改和处理也需要能查看，"
                         "流转仍按其自身的角色限制。"),
    "access_see": ("Who may see them", "可查看"),
    "access_create": ("Who may enter new ones", "可新建"),
    "access_edit": ("Who may change them", "可修改"),
    "access_act": ("Who may act on them (transitions, approvals)", "可处理（流转、审批）"),
    "access_users": ("People by username (comma separated)", "人员用户名（逗号分隔）"),
    "approver_users": ("Approver usernames (comma separated)", "审批人用户名（逗号分隔）"),
    "mode": ("Mode", "方式"), "mode_any": ("Any one approves", "任一人通过"),
    "mode_all": ("All must approve", "全部通过"), "mode_sequence": ("One after another", "依次审批"),
    "same_outcome_warning": ("Approved and rejected orders go to the same state: deciding changes nothing.",
                             "通过和驳回的订单去往同一状态：审批结果不会带来任何区别。"),
    "same_outcome_confirm": ("Send rejected orders to the same state as approved ones? Deciding would then change nothing.",
                             "要让驳回的订单与通过的订单去往同一状态吗？这样审批结果不会带来任何区别。"),
    "approval_when": ("Needed when (else approved at once)", "需要审批的条件（否则自动通过）"),
    "if_approved": ("When approved, go to", "通过后进入"), "if_rejected": ("When rejected, go to", "驳回后进入"),
    "remind_after": ("Remind after (hours)", "提醒（小时后）"),
    "escalate_after": ("Escalate after (hours)", "升级（小时后）"), "escalate_to": ("Escalate to", "升级给"),
    "allow_delegation": ("Approvers may delegate", "允许委托"),
    "after_hours": ("After (hours)", "经过（小时）"), "auto_when": ("Or as soon as", "或当条件成立时"),
    "new_state_en": ("New state", "New state"), "new_state_zh": ("新状态", "新状态"),
    "new_transition_en": ("New transition", "New transition"), "new_transition_zh": ("新流转", "新流转"),
    "diagram_label": ("The workflow as a diagram", "流程图"),
    "diagram_hint": ("Drag from one state to another to connect them; click a state, arrow or label to edit it.",
                     "从一个状态拖到另一个状态即可连线；点击状态、箭头或标签即可编辑。"),
    "diagram_failed": ("The diagram could not be drawn; the lists below still edit everything",
                       "流程图无法绘制；下方列表仍可编辑全部内容"),
    "diagram_panel": ("The selected step", "所选步骤"),
    "diagram_panel_hint": ("Click a state, an arrow or a label in the diagram to edit it here.",
                           "点击流程图中的状态、箭头或标签，在此编辑。"),
    "to_state_en": ("To", "To"), "to_state_zh": ("转到", "转到"),
    "jump_to": ("Go to", "跳转到"),
    "diagram_actual_size": ("Actual size", "实际大小"),
    # the condition builder
    "cb_build": ("Build with rows", "用条件行构建"),
    "cb_join": ("How the rows combine", "条件组合方式"),
    "cb_all": ("All of these are true", "以下全部成立"), "cb_any": ("Any of these is true", "以下任一成立"),
    "cb_add_row": ("Condition", "条件"), "cb_add_group": ("Group", "条件组"),
    "cb_field": ("Field", "字段"), "cb_operator": ("Comparison", "比较"), "cb_value": ("Value", "值"),
    "cb_values_hint": ("values separated by commas", "多个值用逗号分隔"),
    "cb_true": ("Yes", "是"), "cb_false": ("No", "否"),
    "op_eq": ("is", "等于"), "op_ne": ("is not", "不等于"), "op_lt": ("is less than", "小于"),
    "op_le": ("is at most", "小于等于"), "op_gt": ("is more than", "大于"), "op_ge": ("is at least", "大于等于"),
    "op_in": ("is one of", "属于"), "op_not_in": ("is none of", "不属于"),
    "cb_unfinished": ("Give every row a value (numbers in digits) to write the condition.",
                      "请为每一行填写值（数字请用阿拉伯数字），条件才会写入公式。"),
    "cb_cannot_read": ("This formula says more than rows can show; it stays as it is in the formula box.",
                       "此公式超出条件行所能表达的范围，保留在公式框中不变。"),
    "cb_mistake": ("Fix the formula in the box first: {detail}", "请先修正公式框中的公式：{detail}"),
    # rules, decision tables, actions
    "rules": ("Rules", "规则"),
    "rules_hint": ("When an order is created, each rule whose condition is true takes its "
                   "actions, in this order. When an open order is edited, a rule that the "
                   "edit makes true acts again.",
                   "订单创建时，条件成立的规则依次执行其动作。编辑未完成的订单时，因编辑而成立的"
                   "规则会再次执行。"),
    "creation_only": ("Only when the order is created", "仅在创建订单时"),
    "creation_only_hint": ("Left unticked, the rule also acts when an edit makes its "
                           "condition true.",
                           "不勾选时，编辑使条件成立时该规则也会执行。"),
    "rule_name": ("Name", "名称"),
    "add_rule": ("Add a rule", "添加规则"), "when": ("When", "当"), "then": ("Then", "则"),
    "decision_tables": ("Decision tables", "决策表"),
    "tables_hint": ("Each column is a value; each cell a condition about it, using value "
                    "(value > 5000). An empty cell matches anything. Enter moves down.",
                    "每列是一个值，每个单元格是关于 value 的条件（如 value > 5000），空单元格匹配任意值。回车下移。"),
    "add_table": ("Add a decision table", "添加决策表"), "add_row": ("Add a row", "添加行"),
    "add_input": ("Add a column", "添加列"), "remove_input": ("Remove column", "删除列"),
    "remove_row": ("Remove row", "删除行"), "input": ("Column", "列"), "row": ("Row", "行"),
    "any_value": ("any", "任意"), "hit": ("Rows that apply", "生效的行"),
    "hit_first": ("The first matching row", "第一条匹配的行"), "hit_all": ("Every matching row", "所有匹配的行"),
    "add_action": ("Add an action", "添加动作"), "action_type": ("Action", "动作"),
    "tag": ("Tag", "标签"), "field": ("Field", "字段"), "value_formula": ("Value (formula)", "值（公式）"),
    "message": ("Message", "提示"), "approval": ("Approval", "审批"), "warehouse": ("Warehouse", "仓库"),
    "document": ("Document", "单据"), "event": ("Event", "事件"),
    "carrier": ("Carrier code", "承运商代码"),
    "carrier_field": ("Carrier from the field (optional)", "承运商取自字段（可选）"),
    "carrier_choose": ("Choose the carrier by quote", "按报价选择承运商"),
    "choose_none": ("No: the carrier above", "否：使用上面的承运商"),
    "choose_cheapest": ("The cheapest", "最便宜的"), "choose_fastest": ("The fastest", "最快的"),
    "refund_amount": ("Amount (formula; empty: the rest paid)", "金额（公式；留空：退还已付余额）"),
    "reason": ("Reason", "原因"),
    "notify_roles": ("Roles (comma separated)", "角色（逗号分隔）"), "notify_customer": ("The customer", "客户"),
    "subject": ("Subject", "主题"), "template": ("Template", "模板"),
    "doc_pick_list": ("Pick list", "拣货单"), "doc_packing_slip": ("Packing slip", "装箱单"),
    "doc_shipping_label": ("Shipping label", "快递面单"), "doc_invoice": ("Invoice", "发票"),
    "doc_order": ("Order", "订单"),
    # routing
    "no_routing": ("This order type has no routing: orders are not sent to a warehouse "
                   "automatically.", "此订单类型没有分仓规则：订单不会自动分配仓库。"),
    "add_routing": ("Set up routing", "设置分仓"), "routing_rules": ("Routing rules", "分仓规则"),
    "routing_rules_hint": ("The first rule whose condition is true chooses the warehouse.",
                           "第一条条件成立的规则决定仓库。"),
    "add_routing_rule": ("Add a routing rule", "添加分仓规则"), "strategy": ("Otherwise", "否则按"),
    "strategy_region": ("By region", "按地区"), "strategy_most_stock": ("Most stock", "库存最多"),
    "strategy_fewest_splits": ("Fewest splits", "拆单最少"), "strategy_priority": ("Warehouse priority", "仓库优先级"),
    "allow_split": ("May split an order between warehouses", "允许拆单"),
    "backorder": ("When stock is short", "库存不足时"), "backorder_refuse": ("Refuse", "拒绝"),
    "backorder_allow": ("Back-order", "允许缺货"), "backorder_split": ("Ship what is there", "先发有货部分"),
    "regions": ("Regions", "地区"), "regions_hint": ("A province or country, and its warehouses in "
                                                   "order of preference.", "省份或国家，及其按优先顺序排列的仓库。"),
    "region": ("Province or country", "省份或国家"), "region_warehouses": ("Warehouses", "仓库"),
    "add_region": ("Add a region", "添加地区"),
    # print templates
    "add_template": ("Add a print template", "添加打印模板"),
    "no_templates": ("No print templates: documents use the built-in layouts.", "没有打印模板：单据使用内置格式。"),
    "print_preview": ("Preview on a sample order", "示例订单预览"),
    "template_hint": ("Jinja2: {{ order.number }}, {{ order.data.total }}, {% for line in "
                      "order.lines %}…{% endfor %}, {{ barcode(order.number) }}.",
                      "Jinja2：{{ order.number }}、{{ order.data.total }}、{% for line in order.lines %}…{% endfor %}、{{ barcode(order.number) }}。"),
    # simulation
    "sim_sample": ("Sample order (JSON)", "示例订单（JSON）"), "sim_generate": ("Generate a sample", "生成示例"),
    "sim_state": ("In state", "所处状态"), "sim_start_state": ("The start state", "开始状态"),
    "sim_cover": ("Exercise every rule and approval", "让每条规则和审批都触发一次"),
    "sim_coverage": ("Rules and approvals exercised", "规则与审批的触发情况"),
    "sim_fired_count": ("fire on a sample", "已在示例中触发"),
    "sim_nothing_to_fire": ("This draft has no rules or approvals.", "此草稿没有规则或审批。"),
    "sim_kind_rule": ("Rule", "规则"), "sim_kind_approval": ("Approval", "审批"),
    "sim_fires": ("Fires", "会触发"), "sim_never_fires": ("Could not be made to fire", "无法触发"),
    "sim_use_sample": ("Run sample", "运行示例"),
    "sim_why_switched_off": ("it is switched off, so it never runs", "它已停用，因此从不运行"),
    "sim_why_reads_nothing": ("its condition reads no value a person enters, and it is not TRUE for the sample", "它的条件不读取任何人工填写的值，且对示例不成立"),
    "sim_why_fails": ("its condition failed on the samples tried: {fault}", "它的条件在所试的示例上出错：{fault}"),
    "sim_why_never_true": ("none of the {tried} samples tried made its condition TRUE (values tried for {varied}); check that the condition can be met", "所试的 {tried} 个示例都未使其条件成立（尝试变化了 {varied}）；请检查条件能否满足"),
    "replay_title": ("Replay real orders", "用真实订单回放"),
    "replay_hint": ("Run the newest orders through this draft and through the published version, and see what the draft would change. Nothing is stored.", "让最新的订单分别经过此草稿和已发布版本，查看草稿会改变什么。不会保存任何内容。"),
    "replay_count": ("Newest orders", "最新订单数"), "replay_run": ("Replay", "回放"),
    "replay_failed": ("The replay could not run:", "无法回放："),
    "replay_summary": ("{orders} orders replayed, {changed} would change", "{orders} 个订单已回放，{changed} 个会改变"),
    "replay_counts": (" ({counts})", "（{counts}）"), "replay_separator": (", ", "，"),
    "replay_count_item": ("{aspect}: {count}", "{aspect}：{count}"),
    "replay_none": ("There are no orders of this type yet.", "此类型还没有订单。"),
    "replay_same": ("no change", "无变化"), "replay_order": ("Order", "订单"),
    "replay_published": ("Published version", "已发布版本"), "replay_draft": ("This draft", "此草稿"),
    "aspect_state": ("State reached", "到达状态"), "aspect_tags": ("Tags", "标签"),
    "aspect_computed": ("Computed fields", "计算字段"), "aspect_approvals": ("Approvals required", "需要的审批"),
    "aspect_refused": ("Refused", "被拒绝"),
    "sim_run": ("Run", "运行"), "sim_roles": ("As which roles", "以哪些角色"), "sim_bad_json": ("The sample is not valid JSON", "示例不是有效的 JSON"),
    "sim_failed": ("The draft cannot run yet:", "草稿暂时无法运行："),
    "sim_computed": ("Computed fields", "计算字段"), "sim_problems": ("Problems with the values", "数据问题"),
    "sim_no_problems": ("The values are fine.", "数据没有问题。"), "sim_rules": ("Rules", "规则"),
    "sim_no_rules": ("This order type has no rules or decision tables.", "此订单类型没有规则或决策表。"),
    "sim_no_row": ("no row matches", "没有匹配的行"), "sim_route": ("Route", "分仓结果"),
    "sim_transitions": ("Transitions each role could take", "各角色可执行的流转"),
    "yes": ("matches", "匹配"), "no": ("no", "不匹配"),
    # publish
    "changes_since": ("Changes since the last version", "自上个版本以来的修改"),
    "no_changes": ("No changes.", "没有修改。"),
    "first_version": ("Not published yet: publishing makes this draft version 1.",
                      "尚未发布：发布后此草稿成为版本 1。"),
    "compared_with": ("Compared with version {n}:", "与版本 {n} 比较："),
    "publish": ("Publish", "发布"), "publish_note": ("Note", "说明"),
    "publish_note_hint": ("What changed, for the version history", "本次修改说明"),
    "publish_not_allowed": ("Your roles may save drafts but not publish them.", "您的角色可以保存草稿，但不能发布。"),
    "publish_has_problems": ("Fix the {n} problems before publishing.", "请先修正 {n} 个问题再发布。"),
    "publish_failed": ("Not published", "未发布"),
    "published_version": ("Published as version {n}. New orders use it from now on.",
                          "已发布为版本 {n}，新订单将使用此版本。"),
    "history": ("Version history", "版本历史"),
    "restore_version": ("Put it back in the draft", "恢复到草稿"),
    "restored_version": ("Version {n} is in the draft now; publish it to make it current again.",
                         "版本 {n} 已恢复到草稿；发布后重新生效。"), "published_at": ("Published", "发布时间"),
    "published_by": ("By", "发布人"), "compare_with_draft": ("Compare with the draft", "与草稿比较"),
    "change_added": ("Added", "新增"), "change_removed": ("Removed", "删除"), "change_changed": ("Changed", "修改"),
    "what_field": ("field", "字段"), "what_state": ("state", "状态"), "what_transition": ("transition", "流转"),
    "what_approval": ("approval", "审批"), "what_automatic transition": ("automatic move", "自动流转"),
    "what_rule": ("rule", "规则"), "what_decision table": ("decision table", "决策表"),
    "what_print template": ("print template", "打印模板"), "what_setting": ("setting", "设置"),
    "what_look-up table": ("look-up table", "查找表"),
    # look-up tables
    "lookup_hint": ("Tables formulas look values up in: XLOOKUP(ship_to.province, "
                    "freight.province, freight.rate) reads the rate of the row whose province "
                    "is the order's. A blank cell is empty.",
                    "公式可从中查找值的表：XLOOKUP(ship_to.province, freight.province, "
                    "freight.rate) 读取省份与订单相同的那一行的运费。空单元格为空值。"),
    "no_lookup_tables": ("This order type has no look-up tables.", "此订单类型没有查找表。"),
    "add_lookup_table": ("Add a look-up table", "添加查找表"),
    "add_table_column": ("Add a column", "添加列"), "column_type": ("Type", "类型"),
    "paste_rows": ("Paste rows from a spreadsheet", "从电子表格粘贴行"),
    "paste_rows_hint": ("One row a line, cells separated by tabs, in the order of the columns; "
                        "the rows are added at the end.",
                        "每行一条，单元格用制表符分隔，顺序同列；粘贴的行添加在末尾。"),
    "add_pasted_rows": ("Add these rows", "添加这些行"),
    "new_table_en": ("Rates", "Rates"), "new_table_zh": ("费率", "费率"),
    "new_column_en": ("Column", "Column"),
}

for _type, _names in FIELD_TYPES.items():
    PAIRS[f"type_{_type}"] = _names
    PAIRS[f"type_{_type}_en"] = (_names[0], _names[0])
    PAIRS[f"type_{_type}_zh"] = (_names[1], _names[1])
for _meaning, _names in MEANINGS.items():
    PAIRS[f"meaning_{_meaning}"] = _names
for _category, (_names, _hints) in STATE_CATEGORIES.items():
    PAIRS[f"category_{_category}"] = _names
    PAIRS[f"category_{_category}_hint"] = _hints

TEXT: dict[str, dict[str, str]] = {
    lang: {key: pair[index] for key, pair in PAIRS.items()}
    for index, lang in enumerate(LANGUAGES)
}


def text_for(lang: str) -> dict[str, str]:
    return TEXT.get(lang, TEXT["en"])
