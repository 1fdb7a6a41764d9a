#!/usr/bin/env python3
"""Throttle accuracy of the running daemon (issue 6).

Runs the real maild (release build) against a minimal SMTP sink that stamps each accepted
message with the time its final dot arrived, then checks two account limits:

  A. rate = 20/s for 30 s: messages accepted in the first 30 s after the first one, divided
     by 30 (target 20/s, within 2%), and the most messages in any sliding 1 s window (<= 20).
  B. rate = 1/2s for 60 s: messages accepted in the 60 s after the first one (exactly 30),
     and the most in any sliding 2 s window (<= 1).

Each scenario submits more recipients than its period allows, so the limit, not the list,
decides. Usage: bench/throttle-accuracy.py BIN_DIR  (the folder holding maild and mailctl)
"""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


class Sink:
    """SMTP on loopback: 250 to everything, one timestamp per accepted message."""

    def __init__(self):
        self.accepted = []
        self.loop = asyncio.new_event_loop()
        self.port = None
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)

        async def start():
            server = await asyncio.start_server(self._session, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            await server.serve_forever()

        self.loop.run_until_complete(start())

    async def _session(self, reader, writer):
        writer.write(b"220 sink ESMTP\r\n")
        in_data = False
        while True:
            line = await reader.readline()
            if not line:
                break
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    self.accepted.append(time.time())
                    writer.write(b"250 2.0.0 queued\r\n")
                continue
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                in_data = True
                writer.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


def most_in_window(stamps, window):
    most, first = 0, 0
    for last in range(len(stamps)):
        while stamps[last] - stamps[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def scenario(bin_dir, name, rate, recipients, period, window, limit_per_window):
    work = tempfile.mkdtemp(prefix="tb-")
    sink = Sink()
    socket_path = os.path.join(work, "s")
    config = os.path.join(work, "maild.conf")
    with open(config, "w") as f:
        f.write(f"""[daemon]
socket = {socket_path}
socket_mode = 0600
database = {work}/maild.db
hostname = bench.test

[account bench]
host = 127.0.0.1
port = {sink.port}
tls = none
concurrency = 4
messages_per_connection = 1000
rate = {rate}
""")
    campaign = os.path.join(work, "campaign.json")
    with open(campaign, "w") as f:
        json.dump({"name": name, "account": "bench", "from": "bench@example.org", "subject": "Throttle {{n}}",
                   "text": "Message {{n}}\n",
                   "recipients": [{"email": f"r{i}@example.com", "vars": {"n": str(i)}} for i in range(recipients)]}, f)
    log = open(os.path.join(work, "maild.log"), "w")
    maild = subprocess.Popen([os.path.join(bin_dir, "maild"), "--config", config, "--log-level", "warning"],
                             stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    mailctl = os.path.join(bin_dir, "mailctl")
    try:
        for _ in range(300):
            if subprocess.run([mailctl, "list", "--socket", socket_path], capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        submit = subprocess.run([mailctl, "submit", campaign, "--socket", socket_path], capture_output=True, text=True)
        if submit.returncode != 0:
            sys.exit(f"submit failed: {submit.stderr}")
        deadline = time.time() + period + 30
        while time.time() < deadline:
            if sink.accepted and time.time() > sink.accepted[0] + period + 1:
                break
            time.sleep(0.2)
    finally:
        maild.send_signal(signal.SIGTERM)
        maild.wait(timeout=30)
        log.close()
    stamps = sorted(sink.accepted)
    if not stamps:
        sys.exit(f"{name}: nothing was sent; see {work}/maild.log")
    in_period = [s for s in stamps if s < stamps[0] + period]
    shutil.rmtree(work, ignore_errors=True)
    return {
        "limit": rate, "period_s": period, "sent_in_period": len(in_period),
        "measured_rate_per_s": len(in_period) / period,
        "window_s": window, "most_in_any_window": most_in_window(stamps, window), "window_limit": limit_per_window,
        # The shortest time spanned by limit+1 consecutive messages: at least the window when the limit held.
        "tightest_span_s": min((stamps[i + limit_per_window] - stamps[i] for i in range(len(stamps) - limit_per_window)), default=None),
    }


def main():
    bin_dir = sys.argv[1]
    print(f"# {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())} {os.cpu_count()} cores, maild release build, account limit, 4 connections")
    a = scenario(bin_dir, "twenty-per-second", "20/s", 700, 30, 1.0, 20)
    deviation = (a["measured_rate_per_s"] - 20) / 20 * 100
    print(f"A configured 20/s for 30 s: sent {a['sent_in_period']} in 30 s = {a['measured_rate_per_s']:.2f}/s "
          f"({deviation:+.2f}% of 20/s, target within 2%); most in any 1 s window {a['most_in_any_window']} (limit 20); "
          f"21 in a row span at least {a['tightest_span_s']:.4f} s")
    b = scenario(bin_dir, "one-per-two-seconds", "1/2s", 40, 60, 2.0, 1)
    print(f"B configured 1/2s for 60 s: sent {b['sent_in_period']} in 60 s (expected exactly 30); "
          f"most in any 2 s window {b['most_in_any_window']} (limit 1); "
          f"2 in a row span at least {b['tightest_span_s']:.4f} s")
    ok = abs(deviation) <= 2 and a["most_in_any_window"] <= 20 and b["sent_in_period"] == 30 and b["most_in_any_window"] <= 1
    print("result:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
