"""Chinese NLU for the shop: the jieba user dictionary, the product lexicon and a spaCy entity matcher."""
