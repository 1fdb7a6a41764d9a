# Entry points for people and CI. Each target installs what it needs first.
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: deps build release test demo bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build

release: deps
	swift build -c release

test: deps
	swift test

demo: deps
	bash scripts/demo.sh

bench: deps
	bash bench/smtp-throughput.sh

clean:
	rm -rf .build demo-mail
