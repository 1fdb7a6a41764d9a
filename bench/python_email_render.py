#!/usr/bin/env python3
"""Python's email package rendering the same personalized ~2 KB messages as message-bench.

Usage: python_email_render.py [MESSAGES]   (default 20000)
Each message: From, To with a display name, a personalized Subject, Date, Message-ID,
MIME-Version and a personalized text body, serialized with CRLF line ends (policy.SMTP).
"""
import email.policy, email.utils, sys, time
from email.message import EmailMessage

count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
lines = [f"Line {n}: The quick brown fox jumps over the lazy dog while the newsletter explains what happened." for n in range(1, 16)]
body = "Hello {first_name},\n\n" + "\n".join(lines) + "\n\nSee you next month,\nThe Example team\n"
recipients = [(f"user{i}@example.com", f"User {i}", f"Name{i}") for i in range(1000)]
date = email.utils.formatdate(1751360400, usegmt=True)

total = 0
start = time.perf_counter()
cpu_start = time.process_time()
for index in range(count):
    address, name, first_name = recipients[index % len(recipients)]
    message = EmailMessage(policy=email.policy.SMTP)
    message["Date"] = date
    message["From"] = "Example News <news@example.com>"
    message["To"] = f"{name} <{address}>"
    message["Subject"] = f"News for you, {first_name}"
    message["Message-ID"] = f"<1.{index}.0123456789abcdef@mail.example.com>"
    message.set_content(body.replace("{first_name}", first_name))
    total += len(message.as_bytes())
seconds = time.perf_counter() - start
cpu = time.process_time() - cpu_start
print(f"python-email messages={count} seconds={seconds:.3f} rate={count / seconds:.0f} msg/s "
      f"cpu_seconds={cpu:.3f} cpu_rate={count / cpu:.0f} msg/s bytes_per_message={total // count}")
