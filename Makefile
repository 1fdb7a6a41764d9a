# Entry points for people and CI. Each target installs what it needs first.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/maild
# systemd searches /usr/local/lib as well as /usr/lib for units, sysusers.d and tmpfiles.d,
# so the default PREFIX needs no extra configuration.
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSCONFDIR ?= /etc
# `make install` builds release binaries and man pages first. Packagers and tests that built
# already pass BUILD_DIR (where maild and mailctl are) and, optionally, MAN_SOURCE (a folder
# with maild.8 and mailctl.1); with BUILD_DIR and no MAN_SOURCE the man pages are skipped.
BUILD_DIR ?=
MAN_SOURCE ?=
SCRATCH ?= .build
# swift-argument-parser's GenerateManual plugin writes one folder per executable here.
MAN_OUTPUT = $(SCRATCH)/plugins/GenerateManual/outputs
INSTALL ?= install

.PHONY: deps build release test demo bench clean man install install-files check-install

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build

release: deps
	swift build -c release --scratch-path $(SCRATCH)

# One test at a time: many tests run real daemons, SMTP servers and subprocesses, and one
# reads a million-line list; in parallel on a two-core machine they starve each other past
# their time limits. Serial, the tests take about five minutes there after a debug build of
# about four.
test: deps
	swift build --build-tests
	swift test --skip-build --no-parallel

demo: deps
	bash scripts/demo.sh

bench: deps
	bash bench/smtp-throughput.sh

# Man pages from the commands' own help (swift-argument-parser's manual generator): maild in
# section 8 (daemons), mailctl in section 1. The plugin builds every product first, a no-op
# after `make release`.
man: release
	swift package --scratch-path $(SCRATCH) generate-manual --configuration release
	swift package --scratch-path $(SCRATCH) generate-manual --configuration release --section 8

ifeq ($(BUILD_DIR),)
install: release man
	$(MAKE) install-files BUILD_DIR=$(SCRATCH)/release MAN_SOURCE=$(MAN_OUTPUT)
else
install: install-files
endif

# Unit files name /usr/local/bin/maild; the installed copies name $(BINDIR). The example
# configuration becomes /etc/maild/maild.conf only when there is none: an upgrade never
# overwrites an operator's file. maild runs as the user maild and reads it through the group
# maild (root:maild, 0640): when that group does not exist yet (a first install, before
# systemd-sysusers) or DESTDIR is set (its gid would be this machine's), the file stays
# root:root and a note says to chgrp it (docs/operations.md).
install-files:
	@test -x "$(BUILD_DIR)/maild" && test -x "$(BUILD_DIR)/mailctl" \
		|| { echo "install: no maild/mailctl in BUILD_DIR=$(BUILD_DIR); run make install without BUILD_DIR, or build first" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 0755 $(BUILD_DIR)/maild $(BUILD_DIR)/mailctl $(DESTDIR)$(BINDIR)/
	sed 's|/usr/local/bin/|$(BINDIR)/|g' systemd/maild.service > $(DESTDIR)$(UNITDIR)/maild.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/maild.service
	$(INSTALL) -m 0644 systemd/maild.socket $(DESTDIR)$(UNITDIR)/maild.socket
	$(INSTALL) -m 0644 systemd/sysusers.d/maild.conf $(DESTDIR)$(SYSUSERSDIR)/maild.conf
	$(INSTALL) -m 0644 systemd/tmpfiles.d/maild.conf $(DESTDIR)$(TMPFILESDIR)/maild.conf
	$(INSTALL) -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/maild
	$(INSTALL) -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/maild/credentials
	@conf=$(DESTDIR)$(SYSCONFDIR)/maild/maild.conf; \
	if test -e "$$conf"; then :; \
	elif test -z "$(DESTDIR)" && getent group maild >/dev/null \
		&& $(INSTALL) -m 0640 -g maild etc/maild.conf.example "$$conf"; then \
		echo "install: $$conf (root:maild, 0640)"; \
	else \
		$(INSTALL) -m 0640 etc/maild.conf.example "$$conf" || exit 1; \
		echo "install: $$conf is root's (0640) and maild cannot read it yet;" \
			"once the group maild exists (systemd-sysusers), run: chgrp maild $(SYSCONFDIR)/maild/maild.conf"; \
	fi
	$(INSTALL) -m 0644 etc/maild.conf.example etc/classification.rules etc/providers.conf $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/
ifneq ($(MAN_SOURCE),)
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0644 $(MAN_SOURCE)/maild/maild.8 $(DESTDIR)$(MANDIR)/man8/maild.8
	$(INSTALL) -m 0644 $(MAN_SOURCE)/mailctl/mailctl.1 $(DESTDIR)$(MANDIR)/man1/mailctl.1
else
	@echo "install: MAN_SOURCE not set; man pages skipped"
endif

# The whole installation into a temporary DESTDIR, release build and man pages included, with
# the installed units verified by systemd-analyze (CI runs this; the test suite checks a cheap
# variant, see Tests/DaemonTests/InstallTests.swift).
CHECK_ROOT = /tmp/maild-check-install
check-install: release man
	rm -rf $(CHECK_ROOT)
	$(MAKE) install-files DESTDIR=$(CHECK_ROOT) PREFIX=/usr BUILD_DIR=$(SCRATCH)/release MAN_SOURCE=$(MAN_OUTPUT)
	cd $(CHECK_ROOT) && find . -type f | sort
	mkdir $(CHECK_ROOT)/verify
	sed 's|/usr/bin/maild|$(CHECK_ROOT)/usr/bin/maild|' $(CHECK_ROOT)/usr/lib/systemd/system/maild.service > $(CHECK_ROOT)/verify/maild.service
	cp $(CHECK_ROOT)/usr/lib/systemd/system/maild.socket $(CHECK_ROOT)/verify/
	MANPATH=$(CHECK_ROOT)/usr/share/man systemd-analyze verify $(CHECK_ROOT)/verify/maild.service $(CHECK_ROOT)/verify/maild.socket
	systemd-analyze security --offline=yes --threshold=12 $(CHECK_ROOT)/verify/maild.service
	rm -rf $(CHECK_ROOT)

clean:
	rm -rf .build demo-mail
