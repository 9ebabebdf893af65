# 小二 (Xiaoer). Two commands matter:  make run  and  make test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON310 ?= $(shell pyenv which python3.10 2>/dev/null || command -v python3.10)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

.PHONY: help install browser run db train serve chat test lint unit validate test-stories integration browser-test nlu-eval bench clean

help:
	@echo "make run    - 安装依赖、建库并生成演示店铺、没有模型时训练，然后启动机器人"
	@echo "make test   - 运行全部测试（lint、单元、动作、rasa 数据校验、对话故事、HTTP 集成）"
	@echo "make chat   - 在终端里以演示买家 tb_xiaoyu 的身份聊天（需先 make run）"
	@echo "make bench  - 运行 bench/ 下的基准（NLU 准确率、延迟、训练时间与内存）"

$(VENV)/.installed: requirements.txt requirements.lock
	@test -n "$(PYTHON310)" || { echo "需要 Python 3.10（pyenv install 3.10）"; exit 1; }
	$(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<24.1"
	$(PY) -m pip install --quiet -r requirements.txt -c requirements.lock
	touch $@

install: $(VENV)/.installed

# Debian's chromium + chromium-driver (and a CJK font for readable screenshots) for the console's browser test.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q .; then :; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei >/dev/null; fi

db: install
	$(PY) -m bot init-db
	$(PY) -m bot seed-demo --if-empty

train: install
	$(PY) -m bot train

run: db
	$(PY) -m bot train --if-missing
	$(PY) -m bot serve

chat: install
	$(PY) -m bot chat

# ---- tests: the order follows RasaHQ/rasa-demo: lint, unit/action tests, data validation,
# train, dialogue stories, then end-to-end over HTTP, then the console in a headless browser.
test: install browser lint unit validate train test-stories integration browser-test

lint:
	$(VENV)/bin/ruff check bot actions tests bench

unit:
	$(PY) -m pytest -q tests/unit tests/actions

validate:
	$(RASA) data validate --domain domain.yml --data data --config config.yml

test-stories:
	$(RASA) test core --model models --stories tests/stories --e2e --fail-on-prediction-errors --out var/results/core

integration:
	$(PY) -m pytest -q tests/integration

browser-test:
	$(PY) -m pytest -q tests/browser    # screenshots in var/results/browser/

bench: install
	$(PY) -m bench.nlu
	$(PY) -m bench.latency
	$(PY) -m bench.latency --script aftersales
	$(PY) -m bench.complaints
	$(PY) -m bench.load
	$(PY) -m bench.load --servers 2
	$(PY) -m bench.load --throughput --buyers 40 --servers 1 --stack postgres
	$(PY) -m bench.load --throughput --buyers 40 --servers 2
	$(PY) -m bench.resources

clean:
	rm -rf var results .pytest_cache
