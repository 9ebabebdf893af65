"""A member of staff in a real browser: signs in, takes the waiting buyer, reads, replies (the buyer's
platform receives it), sees the buyer's next message appear by itself, hands back — and the bot answers
the buyer's next message. Screenshots go to var/results/browser/."""

from __future__ import annotations

from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait

from bot.channels.standin import PlatformStandIn
from bot.crm.db import session_factory
from bot.training.material import TrainingMaterialStore
from tests.integration.conftest import RunningBot, said

BUYER = "tb_u00180"


def wait(browser, seconds: float = 15) -> WebDriverWait:  # type: ignore[no-untyped-def]
    """A wait that looks again when the page replaced the element it was reading (a form post's redirect, the
    queue's reload, live polling): Chromium then reports a stale element or 'node does not belong to the
    document', and neither means the condition failed."""
    return WebDriverWait(browser, seconds, ignored_exceptions=(StaleElementReferenceException, WebDriverException))


def fresh(browser, action):  # type: ignore[no-untyped-def]
    """``action`` on elements looked up anew, retried when the page replaced them meanwhile (reload, polling)."""
    retrying = WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException, WebDriverException))
    return retrying.until(lambda _: (action(),))[0]


def test_staff_take_read_reply_and_hand_back(
    running_bot: RunningBot, platform: PlatformStandIn, staff_token: str, browser, screenshots: Path  # type: ignore[no-untyped-def]
) -> None:
    # the buyer asks for a person through the platform's webhook; while the case waits in the queue
    # the bot still answers what it can
    assert running_bot.message(BUYER, "我要人工客服", "br-1")[0] == 200
    assert running_bot.message(BUYER, "衣服尺码不对，想问问怎么换", "br-2")[1]["replies"]

    browser.get(f"{running_bot.console_url}/")
    wait(browser).until(seen.url_contains("/login"))
    browser.find_element(By.ID, "username").send_keys("xiaomei")  # created by the staff_token fixture
    browser.find_element(By.ID, "password").send_keys("demo-password-1")
    browser.save_screenshot(str(screenshots / "1-login.png"))
    browser.find_element(By.ID, "sign-in").click()
    wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "header nav")))
    browser.save_screenshot(str(screenshots / "2-signed-in.png"))

    row = f"tr[data-sender='{BUYER}']"
    wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, row)))
    browser.save_screenshot(str(screenshots / "2-queue.png"))
    # the queue page reloads itself every 15 s: read and click the row as it is now, again if it was replaced
    assert "买家要求人工" in fresh(browser, lambda: browser.find_element(By.CSS_SELECTOR, row).text)
    fresh(browser, lambda: browser.find_element(By.CSS_SELECTOR, f"{row} button.take").click())

    wait(browser).until(seen.presence_of_element_located((By.ID, "transcript")))
    # taken: a person talks to the buyer now, the bot is quiet and the message waits for staff
    assert running_bot.message(BUYER, "人呢 还在吗", "br-2b")[1]["replies"] == []
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "transcript"), "人呢 还在吗"))
    waiting = fresh(
        browser,
        lambda: [
            w.find_element(By.CLASS_NAME, "text").text
            for w in browser.find_elements(By.CSS_SELECTOR, "#transcript li.buyer.waiting")
        ],
    )
    assert waiting == ["人呢 还在吗"]
    # staff see the intents and the bot's actions
    assert "human_handoff" in fresh(browser, lambda: browser.find_element(By.ID, "transcript").text)
    browser.save_screenshot(str(screenshots / "3-conversation.png"))

    answer = "您好，我是客服小美～尺码不对可以免费换，请告诉我想换的尺码。"
    browser.find_element(By.ID, "reply").send_keys(answer)
    browser.find_element(By.ID, "send").click()
    wait(browser).until(seen.text_to_be_present_in_element((By.CSS_SELECTOR, "p.notice"), "已发送"))
    assert platform.wait_for(BUYER, 1)[-1] == answer  # the buyer's side received it

    running_bot.message(BUYER, "换L码吧，谢谢", "br-3")  # appears without reloading the page
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "transcript"), "换L码吧，谢谢"))
    browser.save_screenshot(str(screenshots / "4-reply-and-live-message.png"))

    browser.find_element(By.ID, "training-note").send_keys("“换L码”应读作换货")
    browser.find_element(By.ID, "mark-training").click()
    wait(browser).until(seen.text_to_be_present_in_element((By.CSS_SELECTOR, "p.notice"), "已标记为训练素材"))
    assert TrainingMaterialStore(session_factory(running_bot.database_url)).unused()[-1].sender_id == BUYER

    browser.find_element(By.ID, "handback").click()
    wait(browser).until(seen.text_to_be_present_in_element((By.CSS_SELECTOR, "p.notice"), "已交还给机器人"))
    assert said(platform.wait_for(BUYER, 2)[-1], "utter_handed_back")
    browser.save_screenshot(str(screenshots / "5-handed-back.png"))

    browser.get(f"{running_bot.console_url}/training")
    browser.find_element(By.LINK_TEXT, BUYER).click()  # the conversation marked above
    row = wait(browser).until(seen.presence_of_element_located((By.XPATH, "//tr[td[contains(., '换L码吧，谢谢')]]")))
    Select(row.find_element(By.NAME, "intent")).select_by_visible_text("request_exchange")
    row.find_element(By.TAG_NAME, "button").click()
    wait(browser).until(seen.text_to_be_present_in_element((By.CSS_SELECTOR, "p.notice"), "已加入训练数据"))
    browser.save_screenshot(str(screenshots / "8-training.png"))

    for page, name in (("/complaints", "6-complaints.png"), ("/dashboard", "7-dashboard.png")):
        browser.get(f"{running_bot.console_url}{page}")
        wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "main h1")))
        browser.save_screenshot(str(screenshots / name))
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 4

    status, reply, _ = running_bot.message(BUYER, "我的快递到哪了", "br-4")
    assert status == 200 and reply["replies"]  # the bot answers again
    assert not said(reply["replies"][0]["text"], "utter_technical_difficulty")
