"""Captions as suppliers, their agents and honest sellers write them, Chinese and English.

Written for this simulation on purpose: nothing here comes from the caption classifier's
corpus, templates or lexicon, so the captions are not tuned to what the classifier knows.
A supplier writes one caption per product; agents copy it, often paraphrased, with other
emoji and their own contact. Honest sellers write their own, and many use the same few
stock phrases ("DM for price").
"""

from __future__ import annotations

import random
from dataclasses import dataclass

EMOJI = ("🔥", "✨", "💯", "👜", "👟", "⌚", "💄", "📦", "🚚", "💥", "🎁", "❤️", "👍", "🌟",
         "⚡", "🛍️", "😍", "🙌", "💎", "📣")

ITEMS = {
    "bags": (("手提包", "handbag"), ("单肩包", "shoulder bag"), ("托特包", "tote"),
             ("斜挎包", "crossbody bag")),
    "shoes": (("运动鞋", "sneakers"), ("板鞋", "court shoes"), ("跑鞋", "runners")),
    "watches": (("机械表", "automatic watch"), ("腕表", "wristwatch"), ("潜水表", "diver watch")),
    "cosmetics": (("精华", "serum"), ("面霜", "face cream"), ("口红", "lipstick")),
}

# Supplier caption parts: each slot has several wordings an agent may swap between.
_HEADLINES = ("新款到货", "今日上新", "爆款补货", "工厂直发", "现货秒发", "限量返场",
              "New arrivals", "Restocked today", "Fresh batch just landed", "Back by demand")
_QUALITY = ("做工一比一", "顶级版本", "原厂面料", "细节全部对版", "专柜同款品质", "拿货看实物",
            "mirror grade", "same workshop batch", "top tier copy", "look identical to store",
            "details match the original", "factory direct quality")
_OFFERS = ("包邮", "批发价私聊", "代理价另议", "一件代发", "量大从优", "free shipping",
           "wholesale price in private", "agents welcome", "dropshipping ok", "bulk discount")
_PLAIN = ("细节如图", "实拍图", "看图说话", "懂的来", "pics are real", "see photos",
          "what you see is what you get", "quality speaks")
_ASK_PRICE = ("价格私聊", "价格私信", "ask for price", "price in chat", "message me")
_PARAPHRASE = {
    "细节如图": ("细节看图", "图片实拍"), "懂的来": ("懂的私", "识货的来"),
    "价格私聊": ("私聊价格", "价格私"), "pics are real": ("real pics", "own photos"),
    "ask for price": ("ask me the price", "price on request"),
    "新款到货": ("新货到了", "上新啦"), "今日上新": ("今天新到", "刚上架"),
    "爆款补货": ("热卖补货", "断货王又来了"), "工厂直发": ("厂家直出", "源头直发"),
    "做工一比一": ("一比一做工", "1比1复刻"), "顶级版本": ("最高版本", "顶配版"),
    "细节全部对版": ("细节对版", "每个细节都对"), "包邮": ("全国包邮", "免运费"),
    "批发价私聊": ("批发私聊", "拿货价私信"), "代理价另议": ("代理另谈", "招代理"),
    "New arrivals": ("Just in", "New stock"), "mirror grade": ("mirror quality", "1:1 grade"),
    "free shipping": ("shipping included", "ship free"),
    "agents welcome": ("looking for agents", "resellers welcome"),
}
_CONTACT_FORMS = ("V:{h}", "wx {h}", "+v {h}", "加微 {h}", "微信 {h}", "whatsapp +86 {n}",
                  "tg @{h}", "DM or add {h}")
_HANDLE_PARTS = ("lucky", "mia", "vip", "shop", "hk", "sz", "gz", "lux", "bao", "ai", "star",
                 "jj", "yy", "kk", "888", "666", "99", "2024", "x", "z")


def handle(rng: random.Random) -> str:
    return "".join(rng.choice(_HANDLE_PARTS) for _ in range(rng.randint(2, 3))) + \
        str(rng.randint(1, 999))


def contact(rng: random.Random, own_handle: str) -> str:
    return rng.choice(_CONTACT_FORMS).format(h=own_handle, n=rng.randint(10**9, 10**10 - 1))


@dataclass(frozen=True)
class CaptionParts:
    """A supplier caption as its slots, so an agent can paraphrase slot by slot."""

    parts: tuple[str, ...]
    emoji: tuple[str, ...]

    def text(self) -> str:
        head = "".join(self.emoji[:2])
        tail = "".join(self.emoji[2:])
        return f"{head}{' '.join(self.parts)}{tail}".strip()


def supplier_caption(rng: random.Random, brand: str, category: str, price: int,
                     supplier_handle: str, discreet: bool) -> CaptionParts:
    """A discreet supplier names no brand, claims nothing and leaves the price to a chat."""
    cn, en = rng.choice(ITEMS[category])
    if discreet:
        parts = [rng.choice(_HEADLINES), cn if rng.random() < 0.6 else en,
                 rng.choice(_PLAIN), rng.choice(_ASK_PRICE), contact(rng, supplier_handle)]
    else:
        item = f"{brand} {cn}" if rng.random() < 0.6 else f"{brand} {en}"
        parts = [rng.choice(_HEADLINES), item, *rng.sample(_QUALITY, rng.randint(1, 2)),
                 rng.choice((f"¥{price}", f"{price}元", f"only {price} rmb", f"💰{price}")),
                 rng.choice(_OFFERS), contact(rng, supplier_handle)]
    return CaptionParts(tuple(parts), tuple(rng.sample(EMOJI, rng.randint(2, 4))))


def recaption(rng: random.Random, caption: CaptionParts, own_handle: str) -> tuple[str, str]:
    """An agent's version of the supplier caption, and which edits were made."""
    edits: list[str] = []
    parts = list(caption.parts)
    if rng.random() < 0.6:
        swapped = [rng.choice(_PARAPHRASE[p]) if p in _PARAPHRASE and rng.random() < 0.7 else p
                   for p in parts]
        if swapped != parts:
            parts = swapped
            edits.append("paraphrase")
    emoji = caption.emoji
    if rng.random() < 0.6:
        emoji = tuple(rng.sample(EMOJI, rng.randint(1, 4)))
        edits.append("swap_emoji")
    if rng.random() < 0.7:  # the supplier's contact out, the agent's in
        parts = [*parts[:-1], contact(rng, own_handle)]
        edits.append("add_contact")
    if rng.random() < 0.25 and len(parts) > 4:
        del parts[rng.randrange(2, len(parts) - 1)]
        edits.append("drop_part")
    return CaptionParts(tuple(parts), emoji).text(), "+".join(edits) or "none"


# Honest sellers: their own words, and a few stock phrases many of them share.
_TEMPLATES = ("DM for price", "DM for price 💬", "私信询价", "价格私聊", "Interested? DM for price",
              "DM for details", "感兴趣私聊", "PM me for price")
_CONDITIONS = ("九成新", "几乎全新", "只用过两次", "有使用痕迹", "like new", "used a few times",
               "small scratch on the side", "never used, tags on")
_REASONS = ("搬家清理", "买多了", "闲置转让", "尺码不合适", "moving out", "wrong size",
            "gift I never used", "clearing my closet")


def plain_caption(rng: random.Random, category: str) -> str:
    """An agent who writes as anyone would: no brand, no claim, no contact; often the very
    stock phrase many honest sellers use."""
    if rng.random() < 0.5:
        return rng.choice(_TEMPLATES)
    cn, en = rng.choice(ITEMS[category])
    return rng.choice((f"新到 {cn} 实拍", f"{cn} 现货", f"好物分享 {cn}", f"{en} in stock",
                       f"new {en}, pics are mine", f"{en} available now"))


def honest_caption(rng: random.Random, kind: str, brand: str | None, category: str,
                   price: int, template_user: bool) -> str:
    if template_user and rng.random() < 0.7:
        return rng.choice(_TEMPLATES)
    cn, en = rng.choice(ITEMS[category])
    if kind == "official" and brand:
        return rng.choice((f"{brand} {cn} 专柜购入 有小票 ¥{price}",
                           f"{brand} authorised store, invoice included, {en} {price} rmb",
                           f"正品 {brand} {cn} 授权店发货",
                           f"{brand} {en} from the boutique, receipt + box"))
    if rng.random() < 0.5:
        return f"自用闲置 {cn} {rng.choice(_CONDITIONS)} {rng.choice(_REASONS)} ¥{price}"
    return f"Selling my {en}, {rng.choice(_CONDITIONS)}, {rng.choice(_REASONS)}. {price} rmb"
