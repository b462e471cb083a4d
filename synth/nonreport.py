"""Documents that are not annual reports (spec §4 E15): a 政务公开工作自查报告 or a 工作总结, no tables.

Some come as scraped from a document-sharing site like sample 001: Traditional characters, pinyin ruby
after a few characters (鎮(zhèn)) and the site's boilerplate.
"""

from __future__ import annotations

import random
from functools import lru_cache

from synth.narrative import Section
from synth.places import Agency

_RUBY = {"鎮": "zhèn", "務": "wù", "開": "kāi", "報": "bào", "縣": "xiàn", "關": "guān", "規": "guī", "項": "xiàng"}
_SITE = ("全文預覽已結束", "下載本文檔", "版權說明：本文檔由用戶提供並上傳，收益歸屬內容提供方，若內容存在侵權，請進行舉報或認領")


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def title(kind: str, agency: Agency, year: int) -> str:
    return f"{agency.name}{year}年度政务公开工作自查报告" if kind == "self_inspection" \
        else f"{agency.name}{year}年政务公开工作总结"


def sections(rng: random.Random, kind: str, agency: Agency, year: int) -> list[Section]:
    """Three narrative sections with a few figures (信息条数) that belong to no standard table."""
    p, n = agency.pronoun, rng.randint(20, 400)
    parts = [rng.randint(1, max(1, n // 4)) for _ in range(3)]
    parts.append(n - sum(parts) if n > sum(parts) else 1)
    if kind == "self_inspection":
        return [
            Section("一、指标自查情况", [
                f"按照上级关于开展{year}年度政务公开考核工作的通知要求，{p}认真组织开展政务公开工作自检自查。",
                f"（一）政府信息与政务公开。{year}年全年公开信息共计{sum(parts)}条，其中机构职能信息{parts[0]}条，"
                f"工作动态{parts[1]}条，政府文件{parts[2]}条，其他信息{parts[3]}条。",
                f"（二）依申请公开。{year}年，{p}依申请公开工作按规定办理，未出现超期答复情况。",
                "（三）公开平台。及时在政府信息公开平台公开相关信息，平台未出现安全、泄密事故，安排专人负责日常"
                "读网检查，即查即改。",
                "（四）政策解读。对照考核指标，重要政策文件做到文件与解读材料同步起草、同步审签、同步发布。"]),
            Section("二、存在的问题", ["部分栏目更新不够及时，政策解读形式较为单一。"]),
            Section("三、下一步改进措施", [f"{p}将进一步压实工作责任，加强业务培训，推动政务公开工作提质增效。"]),
        ]
    return [
        Section("一、主要工作开展情况", [
            f"{year}年，{p}围绕中心工作，扎实推进政务公开各项工作，全年发布政务信息{sum(parts)}条。",
            "坚持以公开为常态、不公开为例外，持续推进决策、执行、管理、服务、结果公开。",
            f"加强政策解读和回应关切，全年发布政策解读{parts[0]}篇，回应社会关切{parts[1]}次。",
            "规范政府信息公开平台管理，落实信息发布审核制度，确保发布内容准确规范。"]),
        Section("二、存在的不足", ["信息公开的深度和广度有待进一步提高。"]),
        Section(f"三、{year + 1}年工作打算", [f"{year + 1}年，{p}将继续加强政务公开标准化规范化建设。"]),
    ]


def scrape_style(text: str, rng: random.Random, title_text: str) -> str:
    """Traditional script, pinyin ruby and document-site boilerplate around the text (sample 001)."""
    trad = _s2t().convert(text)
    trad = "".join(ch + f"({_RUBY[ch]})" if ch in _RUBY and rng.random() < 0.5 else ch for ch in trad)
    head_title = _s2t().convert(title_text)
    pages = "\n".join(f"{head_title}_第{i}頁" for i in range(1, rng.randint(2, 5)))
    return pages + "\n" + "\n\n".join(_SITE) + "\n\n文檔簡介\n\n" + trad
