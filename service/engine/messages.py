# ruff: noqa: E501 - a translation table reads best one entry per line
"""Chinese words for what SpiffWorkflow, the BPMN schema and the script compiler say in English.

Users read the message; the engine's own text is kept beside it (`engine_text`) for experts. An
English sentence not in the table still gets a Chinese message — never the English alone.
"""

from __future__ import annotations

import re

_TAG = r"'?(?:\{[^}]*\})?(?:bpmn:)?(?P<tag>[\w.-]+)'?"

# (pattern, Chinese template using the pattern's named groups), most specific first.
_ENGINE: tuple[tuple[str, str], ...] = (
    (
        r"A Service Task must have an operator",
        "服务任务缺少 operator（本服务不支持服务任务，请改为用户任务或脚本任务）",
    ),
    (r"Invalid Script Task\.\s+No Script Provided", "脚本任务没有脚本内容"),
    (r"Non-default exclusive outgoing sequence flow without condition", "排他网关的非默认出线没有条件"),
    (r"No start event found", "流程没有开始事件"),
    (r"Process (?P<id>\S+) is not executable\.", '流程 {id} 标记为不可执行（isExecutable="false"）'),
    (r"Duplicate process ID: (?P<id>\S+)", "流程标识 {id} 重复"),
    (
        r"Exactly one start event is required in a SubWorkflow Task; found (?P<n>\d+)",
        "子流程须有且只有一个开始事件，实际 {n} 个",
    ),
    (r"A SubWorkflow Must contain an End event", "子流程缺少结束事件"),
    (r'No "calledElement" attribute for Call Activity', "调用活动未指定被调用的流程（calledElement）"),
    (r"Unknown Time Specification", "定时事件没有时间表达式（时长、日期或周期）"),
    (r"Time Specification Error\.?(?P<rest>.*)", "定时表达式有误：{rest}"),
    (r"Conditional event definition with missing condition", "条件事件缺少条件"),
    (
        r"A multiinstance task must specify exactly one of cardinality or loop input",
        "多实例任务只能指定基数或输入集合中的一个",
    ),
    (r"A multiinstance task must specify a cardinality or a loop input", "多实例任务须指定基数或输入集合"),
    (r"A loopMaximum or loopCondition must be specified for Loop Tasks", "循环任务须指定最大次数或循环条件"),
    (
        r"The loop (?:input|output) data reference is missing from the IO specification",
        "多实例的数据引用不在输入输出定义中",
    ),
    (r"Multiple outgoing flows are not supported for tasks of type", "此类任务不支持多条出线"),
    (r"Cancel Events may only be used with transactions", "取消事件只能用于事务子流程"),
    (r"There is no support implemented for this task type", "不支持此类任务"),
    (r"Expected an? (?P<kind>\w+) node", "事件引用的 {kind} 定义不存在"),
    (r"Could not find messageRef from message event definition: (?P<id>\S*)", "消息事件 {id} 未引用消息"),
    (
        r"(?P<kind>Message|Signal|Error|Escalation|Correlation|Data Store) identifier is missing",
        "{kind} 定义缺少标识（id）",
    ),
    (r"Data Store name is missing", "数据存储缺少名称"),
    (r"Data Store with name (?P<name>\S+) has no implementation", "不支持数据存储 {name}"),
    (r"Cannot resolve (?:dataInputAssociation|dataOutputAssociation) (?P<name>\S+)", "无法解析数据关联 {name}"),
    (r"Sequential ordering for ad hoc subprocesses not supported", "不支持顺序执行的自由子流程"),
    (r"Ad hoc subprocesses may not contain start or end events", "自由子流程不能包含开始或结束事件"),
    (r"The process '(?P<id>[^']*)' was not found", "找不到流程 {id}"),
    (r"When looking for a task spec, we found two items", "有两个元素使用了同一标识，请检查元素 id 是否重复"),
    # lxml / XSD (the BPMN 2.0 schema)
    (
        rf"Element {_TAG}, attribute '(?P<attr>[^']+)': The attribute '[^']+' is not allowed",
        "元素 {tag} 不允许属性 {attr}",
    ),
    (
        rf"Element {_TAG}, attribute '(?P<attr>[^']+)': '(?P<value>[^']*)' is not a valid value",
        "元素 {tag} 的属性 {attr} 取值 “{value}” 无效",
    ),
    (rf"Element {_TAG}, attribute '(?P<attr>[^']+)': .*", "元素 {tag} 的属性 {attr} 不符合 BPMN 规范"),
    (rf"Element {_TAG}: This element is not expected", "元素 {tag} 不应出现在此处（不符合 BPMN 2.0 规范）"),
    (rf"Element {_TAG}: Missing child element", "元素 {tag} 缺少必需的子元素"),
    (rf"Element {_TAG}: The attribute '(?P<attr>[^']+)' is required but missing", "元素 {tag} 缺少必需的属性 {attr}"),
    (rf"Element {_TAG}: No match found for key-sequence \['(?P<value>[^']*)'\]", "元素 {tag} 引用的 {value} 不存在"),
    (rf"Element {_TAG}: Duplicate key-sequence \['(?P<value>[^']*)'\]", "标识 {value} 重复（元素 {tag}）"),
    (rf"Element {_TAG}: .*", "元素 {tag} 不符合 BPMN 2.0 规范"),
    (
        r"No matching global declaration available for the validation root",
        "根元素不是 BPMN 的 definitions（不是 BPMN 2.0 文件）",
    ),
)

_SCRIPT: tuple[tuple[str, str], ...] = (
    (
        r'"(?P<name>[^"]+)" is an invalid variable name because it starts with "_"',
        "名称 {name} 以下划线开头，不允许使用",
    ),
    (
        r'"(?P<name>[^"]+)" is an invalid attribute name because it starts with "_"',
        "属性 {name} 以下划线开头，不允许使用",
    ),
    (r'"(?P<name>[^"]+)" is a reserved name', "{name} 是保留名称，不能使用"),
    (r'"(?P<name>[^"]+)" is not allowed', "不允许使用 {name}"),
    (r'"\.(?P<name>[^"]+)" is not allowed', "不允许使用 .{name}（请用 f-字符串）"),
    (r"Imports are not allowed", "不允许 import"),
    (r"Class definitions are not allowed", "不允许定义类"),
    (r"try statements are not allowed", "不允许 try 语句"),
    (r"with statements are not allowed", "不允许 with 语句"),
    (r"(?P<what>.+?) statements? (?:is|are) not allowed", "不允许 {what} 语句"),
)

_SYNTAX: tuple[tuple[str, str], ...] = (
    (r"invalid syntax", "语法错误"),
    (r"unexpected EOF while parsing", "表达式不完整"),
    (r"'(?P<c>.)' was never closed", "括号 {c} 没有闭合"),
    (r"unmatched '(?P<c>.)'", "多余的括号 {c}"),
    (r"unterminated string literal", "字符串没有结束引号"),
    (r"unexpected indent", "缩进有误"),
    (r"expected an indented block", "此处须有缩进的语句块"),
    (r"unindent does not match", "缩进不一致"),
    (r"cannot assign to", "不能给它赋值"),
    (r"invalid character", "有无效字符（可能是中文标点）"),
    (r"invalid decimal literal", "数字写法有误"),
    (r"EOL while scanning string literal", "字符串没有结束引号"),
    (r"'return' outside function", "return 只能用在函数内"),
    (r"too many nested parentheses|too complex", "表达式嵌套太深"),
)


def _match(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for pattern, template in table:
        found = re.search(pattern, text)
        if found:
            values = {k: (v or "").strip() for k, v in found.groupdict().items()}
            return template.format(**values).rstrip("：")
    return None


def engine_message(text: str) -> str:
    """A Chinese message for a SpiffWorkflow parse error or a BPMN schema error."""
    return _match(text, _ENGINE) or "流程图不符合本服务能执行的 BPMN 2.0 规范"


def script_message(text: str) -> str:
    """A Chinese message for the sandbox compiler's refusal (RestrictedPython's words)."""
    parts = [p.strip() for p in re.split(r"Line \d+: ", text) if p.strip()]
    found = [_match(p, _SCRIPT) or "脚本不被允许" for p in parts]
    return "；".join(dict.fromkeys(found)) or "脚本不被允许"


def syntax_message(text: str) -> str:
    return _match(text, _SYNTAX) or "语法错误"
