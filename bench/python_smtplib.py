#!/usr/bin/env python3
"""Baseline for bench/smtp-throughput.sh: Python's smtplib over persistent connections.

Each worker process keeps one connection and sends its share of the messages with
sendmail(), the way a typical Nodemailer-or-Python bulk script does.
"""
import argparse
import multiprocessing
import smtplib
import time


def message(size):
    text = ("From: bench@example.com\r\nTo: rcpt@example.net\r\nSubject: throughput test\r\n"
            "Message-ID: <bench@example.com>\r\n\r\n")
    line = "The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJ.\r\n"
    while len(text) + len(line) <= size:
        text += line
    return text.encode()


def worker(args):
    host, port, count, size = args
    body = message(size)
    with smtplib.SMTP(host, port) as client:
        client.ehlo("bench.localhost")
        for number in range(count):
            client.sendmail("bench@example.com", [f"rcpt{number % 100}@example.net"], body)
    return count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--size", type=int, default=2048)
    args = parser.parse_args()
    shares = [args.messages // args.connections + (1 if i < args.messages % args.connections else 0)
              for i in range(args.connections)]
    start = time.perf_counter()
    if args.connections == 1:
        sent = worker((args.host, args.port, shares[0], args.size))
    else:
        with multiprocessing.Pool(args.connections) as pool:
            sent = sum(pool.map(worker, [(args.host, args.port, s, args.size) for s in shares]))
    elapsed = time.perf_counter() - start
    print(f"python-smtplib connections={args.connections} messages={sent} seconds={elapsed:.3f} "
          f"rate={sent / elapsed:.0f} msg/s")


if __name__ == "__main__":
    main()
