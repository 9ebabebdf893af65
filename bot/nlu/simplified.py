"""Traditional characters buyers type, mapped to simplified ones for the shop's word rules.

Buyers from Hong Kong, Taiwan or with a traditional input method write "退貨地址是哪個",
"誰簽收的"; the word rules of ``bot.nlu.shop_rules`` and ``bot.orders.details`` are written
in simplified characters, and so is the NLU's training data. OpenCC's character table
(traditional → simplified, first reading) maps every character; the shop's own pairs below win
where the two differ ("帳" is 账 in a shop). A few regional words buyers use for the shop's
terms are read as the mainland word ("保固" is 保修). Every mapping keeps the text's length, so
entity offsets found on the simplified text point at the same characters of what the buyer typed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Dict

import opencc

PAIRS = (
    "貨货 個个 發发 點点 幾几 時时 間间 說说 單单 簽签 誰谁 這这 嗎吗 麼么 運运 費费 險险 換换 錢钱 號号 碼码 "
    "買买 賣卖 還还 沒没 們们 裡里 郵邮 電电 話话 員员 遞递 務务 達达 寫写 蘭兰 區区 質质 擇择 壞坏 問问 "
    "題题 訂订 處处 為为 麽么 們们 開开 關关 額额 後后 給给 讓让 請请 謝谢 馬马 顏颜 樣样 誤误 錯错 "
    "帶带 滿满 優优 惠惠 價价 保保 網网 線线 會会 幫帮 辦办 與与 嘛嘛 啥啥 邊边 麻麻 煩烦 聯联 繫系 "
    "寄寄 址址 哪哪 簽签 収收 現现 當当 從从 來来 東东 車车 師师 傅傅 經经 過过 轉转 進进 鐘钟 點点 "
    + "紅红 褲裤 襪袜 機机 鍵键 盤盘 錶表 餅饼 堅坚 頭头 髮发 風风 掃扫 燈灯 熱热 涼凉 裝装 紙纸 書书 讀读 閱阅 聽听 聲声 響响 寶宝 貝贝 親亲 賬账 戶户 帳账 銀银 歸归 應应 該该 確确 認认 長长 藍蓝 綠绿 黃黄 雙双 條条 張张 隻只 對对 較较 復复 頁页 歡欢 愛爱 訊讯 資资 產产 廠厂 倉仓 庫库 貼贴 內内 絨绒 領领 釦扣 鈕纽 鍊链 鐵铁 塊块 魚鱼 雞鸡 乾干 濕湿 黴霉 爛烂 壓压 損损 試试 掛挂 標标 籤签 貴贵 動动 積积 級级 贈赠 禮礼 鬆松 緊紧 擠挤 腳脚 軟软 舊旧 適适 別别 圖图 視视 頻频 攝摄 證证 據据 實实 際际 態态 遲迟 約约 準准 預预 計计 週周 節节 試试 啟启 動动 活活 買买 喬乔 館馆 餘余 則则 選选 項项 規规 種种 類类 數数 錄录 紀纪 氣气 聞闻 藥药 邊边 檢检 查查 滅灭 傳传 輸输 難难 讓让 勞劳 動动 總总 許许 專专 業业 險险 陸陆 統统 織织 繡绣 團团 購购 僅仅 調调 換换 麼么 愛爱 嗎吗 啊啊 喲哟 囉啰 嘍喽 們们 鏈链 韻韵 順顺 圓圆 門门 櫃柜 驛驿 站站 簽签 收收 貨货"
)
# Taiwan / Hong Kong words for the shop's terms (after the character table), read as the mainland word of the
# same length.
REGIONAL_WORDS = {"保固": "保修", "讯息": "消息", "资讯": "信息", "网路": "网络", "影片": "视频"}


@lru_cache(maxsize=1)
def character_table() -> Dict[int, str]:
    """OpenCC's one-character traditional → simplified pairs, overridden by the shop's pairs."""
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    table: Dict[int, str] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            traditional, readings = line.rstrip("\n").split("\t")
            simplified = readings.split()[0]
            if len(traditional) == 1 and len(simplified) == 1 and traditional != simplified:
                table[ord(traditional)] = simplified
    table.update({ord(pair[0]): pair[1] for pair in PAIRS.split()})
    return table


def to_simplified(text: str) -> str:
    """The text in simplified characters, character for character (same length, same offsets)."""
    simplified = (text or "").translate(character_table())
    for regional, mainland in REGIONAL_WORDS.items():
        simplified = simplified.replace(regional, mainland)
    return simplified
