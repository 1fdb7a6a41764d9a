#!/usr/bin/env python3
"""An independent SMTP server for interop tests: aiosmtpd (PyPI) with STARTTLS and AUTH.

Each accepted message is written as <n>.eml (the content exactly as aiosmtpd received it
after dot-unstuffing) with <n>.json beside it (envelope and session facts). Prints
"READY <port>" on stdout once listening; stops on SIGTERM or when stdin closes.
"""
import argparse
import json
import os
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, out):
        self.out = out
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        base = os.path.join(self.out, str(number))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        with open(base + ".json", "w") as f:
            json.dump({
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "mail_options": envelope.mail_options,
                "tls": session.ssl is not None,
                "authenticated": bool(session.authenticated),
            }, f)
        return "250 2.0.0 Ok: queued as interop%d" % number


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", required=True)
    args = parser.parse_args()
    with open(args.password_file) as f:
        password = f.read().strip()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == args.user
              and auth_data.password.decode() == password)
        # handled=False: aiosmtpd then sends the 535 itself (handled=True would send nothing).
        return AuthResult(success=ok, handled=False)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    controller = Controller(
        Recorder(args.out), hostname="127.0.0.1", port=args.port,
        tls_context=context, require_starttls=True, auth_required=True,
        auth_require_tls=True, authenticator=authenticator, enable_SMTPUTF8=True,
        server_hostname="localhost",
    )
    controller.start()
    print("READY %d" % args.port, flush=True)
    try:
        sys.stdin.read()  # the test closes our stdin (or kills us) to stop
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
