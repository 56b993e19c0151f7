"""The source register: every document a rule's value comes from, once, under a short stable id.

A rule's ``source`` cites the register: citations separated by ``"; "``, each a register id,
then where in it (``§ 五.1``, ``art. 43``, ``arts. 201, 203``, an API name), then an optional
note in parentheses. :func:`cite` renders such a text for a reader, in Chinese or English:

>>> cite("tb-dispute art. 43; cs-lifecycle § 四.2.B", "zh")
'《淘宝平台争议处理规则》第四十三条；《淘宝客服网络营销培训》§ 四.2.B'
>>> cite("tb-dispute art. 43; cs-lifecycle § 五.1", "en").split("; ")
['Taobao dispute rules art. 43',
 'Taobao customer-service training (order and refund life cycle) § 五.1']

A text that does not start with a register id (a shop's own rule) is shown as it was written.
The documentation's source register (docs/sources.md) is generated from :data:`SOURCES`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

import msgspec

__all__ = ["KINDS", "SOURCES", "Citation", "Source", "citations", "cite", "zh_number"]


class Source(msgspec.Struct, frozen=True):
    """One document of the register."""

    id: str
    #: one of :data:`KINDS`
    kind: str
    #: the title in the document's own language, and in English
    title: str
    title_en: str
    #: how output cites it, in Chinese and in English
    short_zh: str
    short_en: str
    publisher: str
    #: its date or version
    version: str
    #: where a reader can look it up (``None``: no public address is known)
    url: str | None


#: What a source is, in English and in Chinese.
KINDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "platform rule": ("platform rule", "平台规则"),
        "law": ("law", "法律法规"),
        "api": ("Open Platform API definition", "开放平台接口定义"),
        "training": ("customer-service training material", "客服培训资料"),
        "secondary": ("secondary pages", "第三方页面"),
        "default": ("tradeclock's default", "tradeclock 默认值"),
        "shop": ("a published shop platform's rules", "其他平台公布的规则"),
    }
)

_SOURCES = (
    Source(
        "tb-dispute",
        "platform rule",
        "淘宝平台争议处理规则",
        "Taobao Platform Dispute Handling Rules",
        "《淘宝平台争议处理规则》",
        "Taobao dispute rules",
        "淘宝网 (Taobao)",
        "in force since 2025-08-15 (replacing 淘宝争议处理规范)",
        "https://rule.taobao.com/",
    ),
    Source(
        "tb-7day",
        "platform rule",
        "淘宝网七天无理由退货规范",
        "Taobao seven-day no-reason return standard",
        "《淘宝网七天无理由退货规范》",
        "Taobao 7-day return standard",
        "淘宝网 (Taobao)",
        "current revision",
        "https://rule.taobao.com/",
    ),
    Source(
        "tb-open",
        "api",
        "淘宝开放平台 API 文档（交易、退款、物流）",
        "Taobao Open Platform API reference (trade, refund, logistics)",
        "淘宝开放平台",
        "Taobao Open Platform",
        "淘宝开放平台 (Taobao Open Platform)",
        "Trade, Order and Refund fields; taobao.trade.receivetime.delay; taobao.logistics.*.send",
        "https://open.taobao.com/",
    ),
    Source(
        "tb-help",
        "secondary",
        "转述淘宝帮助中心的第三方页面",
        "Secondary pages quoting Taobao's help centre",
        "转述淘宝帮助的页面",
        "pages quoting Taobao help",
        "various",
        "read 2026",
        None,
    ),
    Source(
        "law-7day",
        "law",
        "网络购买商品七日无理由退货暂行办法",
        "Interim Measures for Seven-Day No-Reason Returns of Goods Bought Online",
        "《网络购买商品七日无理由退货暂行办法》",
        "7-day return measures",
        "国家工商行政管理总局 (SAIC), now 国家市场监督管理总局 (SAMR)",
        "SAIC Order No. 90, 2017; amended 2020",
        "https://www.samr.gov.cn/",
    ),
    Source(
        "law-civil",
        "law",
        "中华人民共和国民法典",
        "Civil Code of the People's Republic of China",
        "《民法典》",
        "Civil Code",
        "全国人民代表大会 (National People's Congress)",
        "2020, in force since 2021-01-01",
        "https://flk.npc.gov.cn/",
    ),
    Source(
        "law-consumer",
        "law",
        "中华人民共和国消费者权益保护法",
        "Law of the People's Republic of China on the Protection of Consumer Rights and Interests",
        "《消费者权益保护法》",
        "Consumer Protection Law",
        "全国人民代表大会常务委员会 (NPC Standing Committee)",
        "2013 amendment",
        "https://flk.npc.gov.cn/",
    ),
    Source(
        "law-consumer-reg",
        "law",
        "中华人民共和国消费者权益保护法实施条例",
        "Regulation implementing the Consumer Protection Law",
        "《消费者权益保护法实施条例》",
        "Consumer Protection Law regulation",
        "国务院 (State Council)",
        "State Council Order No. 778, 2024",
        "https://www.gov.cn/",
    ),
    Source(
        "cs-service",
        "training",
        "关于淘宝天猫客服常遇问题（精选5篇）",
        "Common questions for Taobao and Tmall customer service (training, five parts)",
        "《淘宝天猫客服常遇问题》",
        "Taobao and Tmall customer-service questions (training)",
        "customer-service training page",
        "2024-10-03",
        None,
    ),
    Source(
        "cs-lifecycle",
        "training",
        "淘宝客服网络营销培训",
        "Taobao customer-service training: the order and refund life cycle",
        "《淘宝客服网络营销培训》",
        "Taobao customer-service training (order and refund life cycle)",
        "货源批发网 网商学院 (wholesale-market site, e-merchant school)",
        "2024-02-20",
        None,
    ),
    Source(
        "cs-etiquette",
        "training",
        "专业电商客服外包客户服务礼仪大全",
        "E-commerce customer-service etiquette (training)",
        "《电商客服服务礼仪》",
        "customer-service etiquette (training)",
        "a customer-service outsourcing firm",
        "undated",
        None,
    ),
    Source(
        "cs-disputes",
        "training",
        "网店纠纷问题处理",
        "Handling online-shop disputes (training)",
        "《网店纠纷问题处理》",
        "online-shop disputes (training)",
        "易尚客服外包 (a customer-service outsourcing firm)",
        "2020-07-06",
        None,
    ),
    Source(
        "cs-reception",
        "training",
        "How Do Customer Service Staff In Online Stores Receive Buyers?",
        "How customer-service staff of online shops receive buyers (training)",
        "《网店客服如何接待买家》",
        "receiving buyers (training)",
        "customer-service training page",
        "2011-04-16",
        None,
    ),
    Source(
        "wechat-shop",
        "shop",
        "微信小店售后时效",
        "WeChat mini-shop published after-sale timeouts",
        "微信小店售后时效",
        "WeChat mini-shop after-sale timeouts",
        "腾讯 (Tencent)",
        "read 2026",
        None,
    ),
    Source(
        "default",
        "default",
        "tradeclock 默认值（无可查来源证实）",
        "tradeclock's default (no reachable source confirms the value)",
        "tradeclock 默认值",
        "tradeclock's default",
        "tradeclock",
        "configurable in every rule set",
        None,
    ),
)

#: The register by id, in the order the docs list it.
SOURCES: Mapping[str, Source] = MappingProxyType({s.id: s for s in _SOURCES})


class Citation(msgspec.Struct, frozen=True):
    """One citation of a source text: the register id, where in it, and a note."""

    source: str
    where: str
    note: str


_PART = re.compile(r"^(?P<id>[a-z][a-z0-9-]*)(?P<rest>(?:\s.*)?)$", re.S)


def citations(text: str) -> list[Citation] | None:
    """The citations of a source text, or ``None`` when it does not cite the register (a
    shop's own words): every ``"; "``-separated part must start with a register id."""
    out = []
    for part in _split(text):
        m = _PART.match(part)
        if m is None or m["id"] not in SOURCES:
            return None
        rest = m["rest"].strip()
        where, note = rest, ""
        if rest.endswith(")"):
            depth, i = 0, len(rest) - 1
            while i >= 0:  # the note: the parenthesis closing at the end, with nested ones
                depth += {")": 1, "(": -1}.get(rest[i], 0)
                if depth == 0:
                    break
                i -= 1
            where, note = rest[:i].strip(), rest[i + 1 : -1]
        out.append(Citation(m["id"], where, note))
    return out


def _split(text: str) -> list[str]:
    """``text`` split at the ``"; "`` outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and text.startswith("; ", i):
            parts.append(text[start:i])
            start = i + 2
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """``n`` (0-9999) in Chinese numerals, as article numbers are written: 43 四十三,
    201 二百零一, 10 十, 110 一百一十.

    >>> " ".join(zh_number(n) for n in (10, 19, 43, 110, 201, 1010))
    '十 十九 四十三 一百一十 二百零一 一千零一十'
    """
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is outside 0-9999")
    if n < 10:
        return _DIGITS[n]
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += ("" if digit == 1 and unit == "十" and not out else _DIGITS[digit]) + unit
    return out


_ARTICLES = re.compile(r"^arts?\. (?P<list>\d+(?:\s*(?:,|-|and)\s*\d+)*)(?P<tail>.*)$", re.S)


def _where_zh(where: str) -> str:
    m = _ARTICLES.match(where)
    if m is None:  # a section (§ ...) follows the title closely, anything else after a space
        return where if where.startswith("§") or not where else f" {where}"
    numbers = re.split(r"\s*(,|-|and)\s*", m["list"])
    out = ""
    for token in numbers:
        if token == "-":
            out += "至"
        elif token in (",", "and"):
            out += "、"
        else:
            out += f"第{zh_number(int(token))}条"
    return out + m["tail"]


def cite(text: str, lang: str = "en") -> str:
    """A source text as a reader sees it: each register id by the source's title in ``lang``
    (``"zh"``: 《...》第 N 条, notes left out; ``"en"``: English, notes kept). A text that does
    not cite the register comes back as it is."""
    found = citations(text)
    if found is None:
        return text
    if lang == "zh":
        return "；".join(SOURCES[c.source].short_zh + _where_zh(c.where) for c in found)
    return "; ".join(
        SOURCES[c.source].short_en
        + (f" {c.where}" if c.where else "")
        + (f" ({c.note})" if c.note else "")
        for c in found
    )
