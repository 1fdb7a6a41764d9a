#!/usr/bin/env python3
"""Independent DKIM check for the Swift tests: verifies each message with dkimpy, answering the
TXT lookup from a local file instead of DNS.

usage: verify_dkim.py RECORD_FILE EXPECTED_NAME MESSAGE_FILE...
prints one line per message: "<path>\tpass" or "<path>\tfail\t<reason>"; exits 0 when every
line was printed (the caller decides which messages must fail).
"""
import logging
import sys

import dkim


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        if record.levelno >= logging.INFO:
            self.messages.append(record.getMessage())


def main():
    record_path, expected_name = sys.argv[1], sys.argv[2]
    with open(record_path, "rb") as handle:
        record = handle.read().strip()
    queried = []

    def dnsfunc(name, timeout=5):
        queried.append(name)
        if name.rstrip(b".").decode() != expected_name:
            return None
        return record

    for path in sys.argv[3:]:
        with open(path, "rb") as handle:
            message = handle.read()
        logger = logging.getLogger("verify_dkim." + path)
        logger.setLevel(logging.DEBUG)
        collector = Collect()
        logger.handlers = [collector]
        logger.propagate = False
        try:
            verifier = dkim.DKIM(message, logger=logger, minkey=1024)
            ok = verifier.verify(dnsfunc=dnsfunc)
            reason = "; ".join(collector.messages) or "signature does not verify"
        except dkim.DKIMException as error:
            ok, reason = False, "%s: %s" % (type(error).__name__, error)
        if ok:
            print("%s\tpass" % path)
        else:
            print("%s\tfail\t%s" % (path, reason.replace("\n", " ")))
    if not queried:
        print("no DNS lookup happened", file=sys.stderr)


if __name__ == "__main__":
    main()
