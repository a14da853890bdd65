from __future__ import annotations

import pytest

from models.text.lexicon import Lexicon, load_default_lexicon

# Clean counterfeit captions covering Chinese, English and mixed evidence terms.
CLEAN_POSITIVES = [
    "顶级高仿 驴牌老花包 原单尾货 私聊价格",
    "Gucci replica loafers, mirror quality, DM for price 1:1",
    "rolex submariner AAA grade, factory variant, whatsapp me",
    "LV包 高A 1:1 AAAA 私聊",
    "香奈儿CF链条包 双C 纯原版本 vx",
    "新到一批Dior马鞍包，专柜品质，做工精细，需要的加v",
]


@pytest.fixture(scope="session")
def clean_positives() -> list[str]:
    return list(CLEAN_POSITIVES)


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_default_lexicon()
