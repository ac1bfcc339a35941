"""Every message the API can send has its Chinese translation, with the same facts to fill in."""

import string

from api.i18n import catalogue, message_ids, negotiate


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_a_chinese_translation_with_the_same_facts() -> None:
    chinese = catalogue("zh_CN")
    missing = [message for message in message_ids() if message not in chinese]
    assert missing == [], "run `python -m api.i18n` and translate api/locale/zh_CN/LC_MESSAGES/messages.po"
    for message in message_ids():
        assert _fields(chinese[message]) == _fields(message), message


def test_accept_language_picks_simplified_chinese_or_english() -> None:
    assert negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert negotiate("zh") == "zh_CN"
    assert negotiate("en-GB,zh-CN;q=0.5") == "en"
    assert negotiate("zh-TW") == "en"
    assert negotiate("fr;q=1.0, zh-Hans;q=0.4") == "zh_CN"
    assert negotiate(None) == "en"
    assert negotiate("*") == "en"
