"""小二 (Xiaoer): a Rasa-based customer-service bot for Chinese online shops.

Sub-packages, one per concern:

- ``bot.crm``: the shop's CRM (customers, catalogue, orders, logistics, after-sales records).
- ``bot.orders``: the order rules (what a buyer may still change) as data plus pure functions.
- ``bot.nlu``: Chinese NLU helpers and the spaCy-based catalogue entity matcher.
- ``bot.training``: training and evaluating the Rasa model.
- ``bot.runtime``: starting the Rasa server and the action server together.
"""

__version__ = "0.1.0"
