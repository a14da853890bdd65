"""Caption cases of every kind the served classifier must read in context, in this project's
own wording (not from the frozen evaluation set, not from the training writers)."""

from __future__ import annotations

# (text, counterfeit?) per kind of case.
HONEST = {
    "family nickname with a brand nickname": "祝我们家香奶奶八十岁生日快乐！全家都回来了 🎂",
    "super A meaning cool": "今天的造型超A的 姐妹们觉得怎么样",
    "souvenir replica keychain": "Museum shop replica Rosetta Stone keychain, brought back from London, $6",
    "a real mirror": "Round bathroom mirror 60cm, brass frame, pickup only, $40",
    "gym reps": "Leg day: 5 sets of 12 reps, new PR on squats 💪",
    "natural jade A货": "缅甸天然A货翡翠平安扣 附国检证书 支持复检",
    "official re-issue": "Seiko 官方复刻 62MAS 专柜购入 发票保卡齐全",
    "leather-care service": "皮具护理 清洗补色 接LV 古驰 爱马仕各大牌 不收仿品",
    "shop refusing 1:1 and Putian": "本店只卖正品 不卖1:1 不卖莆田货 支持任何鉴定",
    "legal lookalike naming no brand": "小众设计师款托特包 自家品牌 平替大牌质感 不带任何logo",
    "daigou with receipts": "香港专柜代购 Dior口红 附小票 可查验",
    "secondhand from a named boutique": "Selling my Prada Re-Edition, bought at the Prada store "
                                        "in Ginza 2022, receipt and cards, $780",
}
COUNTERFEIT = {
    "luxury brand at a lunch price": "Cartier Love bracelet rose gold, brand new, only $39 shipped",
    "same as the counter": "香家菱格包 和专柜一模一样 细节看图",
    "can't tell it apart": "Nobody will ever tell these AirPods Pro apart from the real ones, $25",
    "not from the boutique": "Dior saddle bag, not from the boutique but same leather, DM",
    "source can't be told": "渠道不方便说 懂的来 巴黎世家老爹鞋 299",
    "no box no receipt": "LV Neverfull 无盒无票 介意勿拍 ¥450",
    "tags and QR code scan to the official site": "Moncler jacket, all tags and QR code, scans "
                                                  "to the official site, 650 RMB",
    "customs seized stock": "海关扣货 低价处理 劳力士日志 一口价1200",
    "order from the photos": "看图下单 古驰新款 颜色齐 私聊",
    "misspelled brand": "Louis Vuiton speedy 30 mono, 120 usd",
    "homophone characters": "古池酒神包 上新 质量杠杠的 188包邮",
    "nickname with a factory code": "绿水鬼 VSF厂 3135机芯 私聊",
    "pinyin initials": "gf驴包 老花 细节完美 加v",
}
