"""Traditional characters buyers type, mapped to simplified ones for the shop's word rules.

Buyers from Hong Kong, Taiwan or with a traditional input method write "退貨地址是哪個",
"誰簽收的"; the word rules of ``bot.nlu.shop_rules`` and ``bot.orders.details`` are written
in simplified characters. Only characters of the shop's vocabulary are mapped: enough to read
these questions, no dictionary to ship.
"""

from __future__ import annotations

PAIRS = (
    "貨货 個个 發发 點点 幾几 時时 間间 說说 單单 簽签 誰谁 這这 嗎吗 麼么 運运 費费 險险 換换 錢钱 號号 碼码 "
    "買买 賣卖 還还 沒没 們们 裡里 郵邮 電电 話话 員员 遞递 務务 達达 寫写 蘭兰 區区 質质 擇择 壞坏 問问 "
    "題题 訂订 處处 為为 麽么 們们 開开 關关 額额 後后 給给 讓让 請请 謝谢 馬马 顏颜 樣样 誤误 錯错 "
    "帶带 滿满 優优 惠惠 價价 保保 網网 線线 會会 幫帮 辦办 與与 嘛嘛 啥啥 邊边 麻麻 煩烦 聯联 繫系 "
    "寄寄 址址 哪哪 簽签 収收 現现 當当 從从 來来 東东 車车 師师 傅傅 經经 過过 轉转 進进 鐘钟 點点"
)
TABLE = str.maketrans({pair[0]: pair[1] for pair in PAIRS.split()})


def to_simplified(text: str) -> str:
    return (text or "").translate(TABLE)
